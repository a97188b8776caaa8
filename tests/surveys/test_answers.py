"""Answering through HTTP: every question type checked by the server, conditions, required, once each."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.surveys import SurveyAnswer, SurveyParticipation, SurveyResponse
from tests.support.factories import World, auth
from tests.support.surveys import API, answer, full_answers, published_survey


async def test_a_full_answer_stores_every_type(client: AsyncClient, world: World, db: AsyncSession) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.resident, s["id"])
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["channel"] == "online"
    assert receipt["channel_label"] == "线上"
    assert receipt["response_id"] is not None
    response = await db.get(SurveyResponse, receipt["response_id"])
    assert response is not None
    assert response.respondent_id == world.resident.id
    rows = (
        (await db.execute(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)))
        .scalars()
        .all()
    )
    assert len(rows) == 8
    values = sorted((a.choices, a.number, a.body) for a in rows if a.body is not None)
    assert values == [(None, None, "两辆，停在路边"), (None, None, "希望加装电梯")]
    ranking = [a.choices for a in rows if a.choices and len(a.choices) == 3]
    assert ranking == [["x", "z", "y"]]
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.resident))
    assert r.json()["answered"] is True


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"q1": "zz"}, "invalid_answer"),  # single: not an option
        ({"q1": ["a"]}, "invalid_answer"),  # single: a list
        ({"q2": ["canteen", "park", "care"]}, "invalid_answer"),  # multiple: above max
        ({"q2": ["canteen", "canteen"]}, "invalid_answer"),  # multiple: repeated
        ({"q2": []}, "answer_required"),  # multiple: required, none picked
        ({"q5": 6}, "invalid_answer"),  # scale 1-5
        ({"q5": 0}, "invalid_answer"),  # 0 is not on 1-5
        ({"q5": 3.5}, "invalid_answer"),  # scale takes whole numbers
        ({"q5": True}, "validation_error"),  # a boolean is not a score (refused by the schema)
        ({"q6": 11}, "invalid_answer"),  # scale 0-10
        ({"q7": 21}, "invalid_answer"),  # number above its max
        ({"q7": "3"}, "invalid_answer"),  # number as text
        ({"q8": ["x", "y"]}, "invalid_answer"),  # ranking must rank every option
        ({"q8": ["x", "y", "y"]}, "invalid_answer"),
        ({"q3": "长" * 201}, "invalid_answer"),  # short text over 200
        ({"q4": 5}, "invalid_answer"),  # text as a number
        ({"q9": "a"}, "invalid_answer"),  # no such question
        ({"q5": None}, "answer_required"),
        ({"q1": ""}, "answer_required"),
    ],
)
async def test_wrong_answers_are_422(
    client: AsyncClient, world: World, change: dict[str, Any], code: str
) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.resident, s["id"], full_answers(**change))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code


async def test_zero_is_a_valid_score_on_a_0_to_10_scale(client: AsyncClient, world: World) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.resident, s["id"], full_answers(q6=0, q7=2.5))
    assert r.status_code == 201, r.text


async def test_conditions_are_checked_by_the_server(client: AsyncClient, world: World) -> None:
    s = await published_survey(client, world.staff)
    # q3 shows only when q2 includes "park": answering it otherwise is refused …
    r = await answer(client, world.resident, s["id"], full_answers(q2=["canteen"]))
    assert r.status_code == 422
    assert r.json()["code"] == "answer_not_expected"
    # … when shown it is required …
    r = await answer(client, world.resident, s["id"], full_answers(q3=None))
    assert r.status_code == 422
    assert r.json()["code"] == "answer_required"
    # … and when hidden its required flag does not apply.
    answers = full_answers(q2=["care"])
    del answers["q3"]
    r = await answer(client, world.resident, s["id"], answers)
    assert r.status_code == 201, r.text


async def test_optional_questions_may_be_left_out(client: AsyncClient, world: World) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.resident, s["id"], {"q1": "a", "q2": ["care"], "q5": 5})
    assert r.status_code == 201, r.text


async def test_control_characters_in_text_answers_are_422(client: AsyncClient, world: World) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.resident, s["id"], full_answers(q4="好\x07"))
    assert r.status_code == 422


async def test_a_second_answer_is_409_and_a_replayed_key_returns_the_first(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    s = await published_survey(client, world.staff)
    first = await answer(client, world.resident, s["id"], key="k-1")
    assert first.status_code == 201
    replay = await answer(client, world.resident, s["id"], key="k-1")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    again = await answer(client, world.resident, s["id"], key="k-2")
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    count = await db.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == s["id"])
    )
    assert count == 1
    count = await db.scalar(
        select(func.count()).select_from(SurveyParticipation).where(SurveyParticipation.survey_id == s["id"])
    )
    assert count == 1


async def test_closed_or_expired_surveys_take_no_answers(client: AsyncClient, world: World) -> None:
    s = await published_survey(client, world.staff)
    await client.post(f"{API}/{s['id']}/close", headers=auth(world.staff))
    r = await answer(client, world.resident, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "survey_not_open"
    soon = (clock.now().replace(microsecond=0)).isoformat()
    s = await published_survey(client, world.staff, closes_at=soon)
    r = await answer(client, world.resident, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "survey_not_open"
