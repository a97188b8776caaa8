"""Surveys through HTTP: writing them, every question type, states, frozen questions."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.support.factories import World, auth
from tests.support.surveys import API, every_kind, new_survey, published_survey


async def test_a_draft_with_every_question_type_is_hidden_until_published(
    client: AsyncClient, world: World
) -> None:
    s = await new_survey(client, world.staff)
    assert s["status"] == "draft"
    assert s["status_label"] == "草稿"
    assert s["community_id"] == str(world.community.id)
    assert [q["kind"] for q in s["questions"]] == [
        "single",
        "multiple",
        "short_text",
        "long_text",
        "scale",
        "scale",
        "number",
        "ranking",
    ]
    q5, q6 = s["questions"][4], s["questions"][5]
    assert (q5["scale_min"], q5["scale_max"], q6["scale_min"], q6["scale_max"]) == (1, 5, 0, 10)
    assert s["questions"][2]["show_if"] == {"question": "q2", "any_of": ["park"]}
    assert s["response_count"] == 0
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.resident))
    assert r.status_code == 404
    assert r.json()["code"] == "survey_not_found"
    r = await client.get(API, headers=auth(world.resident))
    assert r.json()["items"] == []
    r = await client.post(f"{API}/{s['id']}/publish", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.json()["status"] == "published"
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.json()["response_count"] is None  # staff only
    assert r.json()["answered"] is False
    r = await client.get(API, headers=auth(world.resident))
    assert [i["id"] for i in r.json()["items"]] == [s["id"]]
    assert r.json()["items"][0]["question_count"] == 8


async def test_states_move_forward_only(client: AsyncClient, world: World) -> None:
    s = await new_survey(client, world.staff)
    sid = s["id"]
    for step, code in (
        ("close", 409),
        ("archive", 409),
        ("publish", 200),
        ("publish", 409),
        ("archive", 409),
    ):
        r = await client.post(f"{API}/{sid}/{step}", headers=auth(world.staff))
        assert r.status_code == code, (step, r.text)
    r = await client.post(f"{API}/{sid}/close", headers=auth(world.staff))
    assert r.json()["status"] == "closed"
    r = await client.get(f"{API}/{sid}", headers=auth(world.resident))
    assert r.status_code == 200  # closed surveys stay readable
    r = await client.post(f"{API}/{sid}/archive", headers=auth(world.staff))
    assert r.json()["status"] == "archived"
    r = await client.get(f"{API}/{sid}", headers=auth(world.resident))
    assert r.status_code == 404
    r = await client.post(f"{API}/{sid}/publish", headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"


async def test_a_survey_without_questions_cannot_be_published(client: AsyncClient, world: World) -> None:
    s = await new_survey(client, world.staff, questions=[])
    r = await client.post(f"{API}/{s['id']}/publish", headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "survey_has_no_questions"


async def test_published_questions_are_frozen_but_the_title_may_change(
    client: AsyncClient, world: World
) -> None:
    draft = await new_survey(client, world.staff)
    r = await client.patch(
        f"{API}/{draft['id']}",
        json={"questions": every_kind()[:2], "anonymous": True},
        headers=auth(world.staff),
    )
    assert r.status_code == 200
    assert len(r.json()["questions"]) == 2
    assert r.json()["anonymous"] is True
    s = await published_survey(client, world.staff)
    for patch in (
        {"questions": every_kind()[:1]},
        {"anonymous": True},
        {"audience": {"min_age": 60}},
        {"one_per": "household"},
    ):
        r = await client.patch(f"{API}/{s['id']}", json=patch, headers=auth(world.staff))
        assert r.status_code == 409, patch
        assert r.json()["code"] == "survey_frozen"
    r = await client.patch(
        f"{API}/{s['id']}", json={"title": "2026年社区服务需求调查"}, headers=auth(world.staff)
    )
    assert r.status_code == 200
    assert r.json()["title"] == "2026年社区服务需求调查"
    assert len(r.json()["questions"]) == 8


def _with(index: int, **change: Any) -> list[dict[str, Any]]:
    qs = every_kind()
    qs[index] = qs[index] | change
    return qs


@pytest.mark.parametrize(
    "questions",
    [
        _with(0, options=[{"key": "a", "label": "只有一个"}]),  # a choice needs two options
        _with(0, options=[{"key": "a", "label": "甲"}, {"key": "a", "label": "乙"}]),  # duplicate option
        _with(1, min_choices=3, max_choices=2),  # min above max
        _with(1, max_choices=5),  # more picks than options
        _with(4, scale=None),  # a scale question needs its scale
        _with(3, scale="1-5"),  # a text question takes no scale
        _with(6, number_min=10, number_max=1),
        _with(3, options=[{"key": "a", "label": "甲"}, {"key": "b", "label": "乙"}]),  # text takes no options
        _with(2, show_if={"question": "q4", "any_of": ["a"]}),  # condition on a later question
        _with(2, show_if={"question": "q2", "any_of": ["nope"]}),  # condition on a missing option
        _with(6, show_if={"question": "q5", "any_of": ["a"]}),  # condition on a non-choice question
        [*every_kind(), every_kind()[0]],  # duplicate key
    ],
)
async def test_malformed_questions_are_422(
    client: AsyncClient, world: World, questions: list[dict[str, Any]]
) -> None:
    r = await client.post(API, json={"title": "坏问卷", "questions": questions}, headers=auth(world.staff))
    assert r.status_code == 422, r.text
    assert r.json()["code"] in ("invalid_question", "validation_error")


async def test_hostile_text_and_keys_are_refused(client: AsyncClient, world: World) -> None:
    r = await client.post(API, json={"title": "坏\x00问卷", "questions": []}, headers=auth(world.staff))
    assert r.status_code == 422
    bad_key = _with(0, key="q 1; drop")
    r = await client.post(API, json={"title": "问卷", "questions": bad_key}, headers=auth(world.staff))
    assert r.status_code == 422


async def test_only_staff_write_and_other_communities_get_404(client: AsyncClient, world: World) -> None:
    r = await client.post(API, json={"title": "居民问卷", "questions": []}, headers=auth(world.resident))
    assert r.status_code == 403
    s = await published_survey(client, world.staff)
    for path in ("", "/publish", "/close"):
        method = client.get if path == "" else client.post
        r = await method(f"{API}/{s['id']}{path}", headers=auth(world.other_staff))
        assert r.status_code == 404, path
    r = await client.patch(f"{API}/{s['id']}", json={"title": "改"}, headers=auth(world.other_staff))
    assert r.status_code == 404
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.other_resident))
    assert r.status_code == 404
    r = await client.get(API, headers=auth(world.other_staff))
    assert r.json()["items"] == []


async def test_audience_grids_and_buildings_must_be_of_the_community(
    client: AsyncClient, world: World
) -> None:
    r = await client.post(
        API,
        json={"title": "问卷", "audience": {"grid_ids": [str(world.other_department.id)]}},
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_audience"
