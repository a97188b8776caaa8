"""Acceptance (验收) through HTTP: the score, the grade, rectification items under the bar."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from httpx import AsyncClient

from app.core import clock, workdays
from tests.support.factories import World, auth
from tests.support.projects import API, funded_project

# The shared 整改 item (app.rectifications) comes with the surveys domain; until it is on main a failed
# acceptance is refused (409 rectifications_unavailable) and these tests wait for it.
needs_rectifications = pytest.mark.skipif(
    importlib.util.find_spec("app.rectifications") is None,
    reason="app.rectifications is not on this branch yet",
)


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


@needs_rectifications
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


@needs_rectifications
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


async def test_without_rectifications_a_failed_acceptance_is_refused_not_recorded(
    client: AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a deployment without app.rectifications a project under the bar is not quietly accepted."""
    import app.projects.acceptance as acceptance_module

    real = importlib.import_module

    def missing(name: str, package: str | None = None) -> object:
        if name == "app.rectifications.service":
            raise ModuleNotFoundError(name)
        return real(name, package)

    monkeypatch.setattr(acceptance_module.importlib, "import_module", missing)
    p = await funded_project(client, world.staff, world.resident)
    r = await client.post(
        f"{API}/projects/{p['id']}/acceptance", json=acceptance_body(10, 10), headers=auth(world.staff)
    )
    assert (r.status_code, r.json()["code"]) == (409, "rectifications_unavailable")
    page = (await client.get(f"{API}/projects/{p['id']}", headers=auth(world.staff))).json()
    assert (page["status"], page["acceptance"]) == ("executing", None)
