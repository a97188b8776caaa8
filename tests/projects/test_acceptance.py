"""Acceptance (验收) through HTTP: the score, the grade, rectification items under the bar."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.core import clock, workdays
from tests.support.factories import World, auth
from tests.support.projects import API, funded_project
from tests.support.surveys import answer, full_answers, new_survey, published_survey


def acceptance_body(reviewer: int, satisfaction: int, **extra: Any) -> dict[str, Any]:
    return {
        "indicators": [
            {"name": "服务长者人次", "unit": "人次", "target": 1000, "actual": 800},
            {"name": "志愿者参与", "unit": "人", "target": 20, "actual": 25},
        ],
        "reviewer_score": reviewer,
        "satisfaction": satisfaction,
        "summary": "按计划完成",
    } | extra


async def test_a_good_project_is_accepted_and_graded(client: AsyncClient, world: World) -> None:
    p = await funded_project(client, world.staff, world.resident)
    await client.post(f"{API}/projects/{p['id']}/follow", headers=auth(world.neighbour))
    r = await client.post(
        f"{API}/projects/{p['id']}/acceptance", json=acceptance_body(80, 90), headers=auth(world.staff)
    )
    assert r.status_code == 201, r.text
    out = r.json()
    # indicators: min(800/1000, 1) = 80.00 and min(25/20, 1) = 100.00 → 90.00;
    # total = 40 % × 90 + 40 % × 80 + 20 % × 90 = 36 + 32 + 18 = 86.00 → 良好
    assert [i["achieved"] for i in out["indicators"]] == ["80.00", "100.00"]
    assert (out["indicator_score"], out["total"], out["grade"], out["grade_label"]) == (
        "90.00",
        "86.00",
        "good",
        "良好",
    )
    assert out["passed"] is True
    assert out["rectification_ids"] == []
    page = (await client.get(f"{API}/projects/{p['id']}", headers=auth(world.neighbour))).json()
    assert (page["status"], page["grade_label"], page["acceptance"]["total"]) == ("accepted", "良好", "86.00")
    again = await client.post(
        f"{API}/projects/{p['id']}/acceptance", json=acceptance_body(80, 90), headers=auth(world.staff)
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_accepted")
    r = await client.post(
        f"{API}/projects/{p['id']}/spending",
        json={"line_id": p["budget_lines"][0]["id"], "amount_fen": 1, "spent_on": clock.today().isoformat()},
        headers=auth(world.resident),
    )
    assert r.status_code == 409  # an accepted project spends no more


async def test_acceptance_under_the_bar_opens_rectification_items_with_working_day_deadlines(
    client: AsyncClient, world: World
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    body = acceptance_body(
        40,
        50,
        rectifications=[
            {
                "title": "补齐送餐记录",
                "detail": "三月送餐签收单缺失",
                "owner_user_id": str(world.resident.id),
                "deadline_workdays": 10,
            },
            {"title": "改进餐品口味", "owner_name": "绿叶舟志愿服务队"},
        ],
    )
    r = await client.post(f"{API}/projects/{p['id']}/acceptance", json=body, headers=auth(world.staff))
    assert r.status_code == 201, r.text
    out = r.json()
    # total = 40 % × 90 + 40 % × 40 + 20 % × 50 = 36 + 16 + 10 = 62.00 … above 60: try a lower bar below.
    assert out["total"] == "62.00"
    assert out["grade"] == "passed"
    assert out["rectification_ids"] == []

    q = await funded_project(client, world.staff, world.neighbour)
    r = await client.post(
        f"{API}/projects/{q['id']}/acceptance",
        json=acceptance_body(30, 40, **{"rectifications": body["rectifications"]}),
        headers=auth(world.staff),
    )
    out = r.json()
    # total = 36 + 12 + 8 = 56.00 < 60 → 不合格, two items opened
    assert (out["total"], out["grade"], out["passed"]) == ("56.00", "failed", False)
    assert len(out["rectification_ids"]) == 2
    items = (
        await client.get(
            f"{API}/rectifications",
            params={"source_kind": "project", "source_id": q["id"]},
            headers=auth(world.staff),
        )
    ).json()
    listed = items["items"] if isinstance(items, dict) else items
    by_title = {i["title"]: i for i in listed}
    assert set(by_title) == {"补齐送餐记录", "改进餐品口味"}
    assert by_title["补齐送餐记录"]["deadline_on"] == workdays.add_workdays(clock.today(), 10).isoformat()
    assert by_title["改进餐品口味"]["deadline_on"] == workdays.add_workdays(clock.today(), 15).isoformat()
    page = (await client.get(f"{API}/projects/{q['id']}", headers=auth(world.resident))).json()
    assert (page["status"], page["status_label"], page["grade_label"]) == ("rectifying", "整改中", "不合格")


async def test_a_failed_acceptance_without_items_opens_one_owned_by_the_applicant(
    client: AsyncClient, world: World
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    r = await client.post(
        f"{API}/projects/{p['id']}/acceptance", json=acceptance_body(10, 10), headers=auth(world.staff)
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["rectification_ids"]) == 1
    items = (
        await client.get(
            f"{API}/rectifications",
            params={"source_kind": "project", "source_id": p["id"]},
            headers=auth(world.staff),
        )
    ).json()
    listed = items["items"] if isinstance(items, dict) else items
    assert listed[0]["owner_name"] == "张阿姨"


async def test_acceptance_is_for_staff_and_needs_a_satisfaction_figure(
    client: AsyncClient, world: World
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    url = f"{API}/projects/{p['id']}/acceptance"
    assert (
        await client.post(url, json=acceptance_body(80, 90), headers=auth(world.resident))
    ).status_code == 403
    assert (
        await client.post(url, json=acceptance_body(80, 90), headers=auth(world.other_staff))
    ).status_code == 404
    body = acceptance_body(80, 90)
    del body["satisfaction"]
    r = await client.post(url, json=body, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (422, "survey_unavailable")
    r = await client.post(url, json=acceptance_body(101, 90), headers=auth(world.staff))
    assert r.status_code == 422


async def test_satisfaction_comes_from_a_linked_survey(client: AsyncClient, world: World) -> None:
    """满意度 from a survey: each scale answer scaled to 0–100 (4 on 1–5 = 75, 9 on 0–10 = 90), the mean."""
    s = await published_survey(client, world.staff)
    assert (await answer(client, world.resident, s["id"], full_answers(q5=4, q6=9))).status_code == 201
    assert (await answer(client, world.neighbour, s["id"], full_answers(q5=5, q6=6))).status_code == 201
    # (75 + 90 + 100 + 60) / 4 = 81.25 → 81
    p = await funded_project(client, world.staff, world.resident)
    body = acceptance_body(80, 0, survey_id=s["id"])
    del body["satisfaction"]
    r = await client.post(f"{API}/projects/{p['id']}/acceptance", json=body, headers=auth(world.staff))
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["satisfaction"], out["survey_id"]) == (81, s["id"])
    # 40 % × 90 + 40 % × 80 + 20 % × 81 = 36 + 32 + 16.2 = 84.20
    assert out["total"] == "84.20"


async def test_a_survey_that_gives_no_figure_is_refused(client: AsyncClient, world: World) -> None:
    p = await funded_project(client, world.staff, world.resident)
    url = f"{API}/projects/{p['id']}/acceptance"

    def via(survey_id: str) -> dict[str, Any]:
        body = acceptance_body(80, 0, survey_id=survey_id)
        del body["satisfaction"]
        return body

    unanswered = await published_survey(client, world.staff)
    draft = await new_survey(client, world.staff)
    other = await published_survey(client, world.other_staff)
    assert (await answer(client, world.other_resident, other["id"])).status_code == 201
    no_scale = await published_survey(
        client, world.staff, questions=[{"key": "q1", "kind": "long_text", "title": "意见建议"}]
    )
    assert (await answer(client, world.resident, no_scale["id"], {"q1": "很好"})).status_code == 201
    for survey in (unanswered, draft, other, no_scale):
        r = await client.post(url, json=via(survey["id"]), headers=auth(world.staff))
        assert (r.status_code, r.json()["code"]) == (422, "survey_unavailable"), survey["title"]
    r = await client.post(url, json=via("00000000-0000-0000-0000-000000000000"), headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (422, "survey_unavailable")
    r = await client.post(
        url, json=acceptance_body(80, 90, survey_id=unanswered["id"]), headers=auth(world.staff)
    )
    assert (r.status_code, r.json()["code"]) == (422, "satisfaction_ambiguous")
    page = (await client.get(f"{API}/projects/{p['id']}", headers=auth(world.staff))).json()
    assert (page["status"], page["acceptance"]) == ("executing", None)
