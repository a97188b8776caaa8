"""The whole loop through HTTP: one call, three applications, two reviewers, a resident vote, funding
within the cap (the third no longer fits), spending refused past a budget line, acceptance under the
bar opening a rectification item, the outcome on the public page."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth, make_user
from tests.support.projects import (
    API,
    add_reviewer,
    eligible,
    new_application,
    new_call,
    score,
    voting_call_body,
)


async def test_call_to_rectification(client: AsyncClient, world: World, db: AsyncSession) -> None:
    call = await new_call(client, world.staff, **voting_call_body(budget_cap_fen=1_000_000))
    people = [world.resident, world.neighbour, await make_user(db, community=world.community, name="孙阿姨")]
    lines = {
        "长者助餐点": [{"item": "食材", "quantity": 500, "unit": "份", "unit_price_fen": 1_000}],  # 5,000.00
        "儿童托管": [
            {"item": "托管老师课酬", "quantity": 40, "unit": "课时", "unit_price_fen": 10_000}
        ],  # 4,000.00
        "楼道美化": [{"item": "花箱", "quantity": 30, "unit": "个", "unit_price_fen": 10_000}],  # 3,000.00
    }
    apps = {}
    for who, (title, budget) in zip(people, lines.items(), strict=True):
        apps[title] = await new_application(client, call["id"], who, title=title, budget_lines=budget)
        await eligible(client, world.staff, apps[title]["id"])
    expert = await make_user(db, community=world.other_community, name="高教授")
    await add_reviewer(client, world.staff, call["id"], world.staff)
    await add_reviewer(client, world.staff, call["id"], expert, "expert")
    marks = {
        "长者助餐点": ([9, 8, 7], [8, 8, 8]),
        "儿童托管": ([8, 8, 8], [9, 7, 8]),
        "楼道美化": ([7, 9, 9], [6, 7, 7]),
    }
    for title, (first, second) in marks.items():
        assert (await score(client, call, apps[title]["id"], world.staff, first)).status_code == 201
        assert (await score(client, call, apps[title]["id"], expert, second)).status_code == 201
    clock.freeze(clock.now() + timedelta(days=12))
    voters = [await make_user(db, community=world.community) for _ in range(4)]
    ballots = (["长者助餐点", "儿童托管"], ["儿童托管"], ["儿童托管", "楼道美化"], ["楼道美化"])
    for voter, picks in zip(voters, ballots, strict=True):
        r = await client.post(
            f"{API}/project-calls/{call['id']}/votes",
            json={"application_ids": [apps[t]["id"] for t in picks]},
            headers=auth(voter),
        )
        assert r.status_code == 201, r.text
    clock.freeze(clock.now() + timedelta(days=7))
    funded = (
        await client.post(f"{API}/project-calls/{call['id']}/fund", json={}, headers=auth(world.staff))
    ).json()
    # B 84.20 (4,000.00, left 6,000.00), C 72.53 (3,000.00, left 3,000.00), A 71.27 asks 5,000.00: no longer fits.
    assert [(x["title"], x["score"], x["funded"]) for x in funded["ranking"]] == [
        ("儿童托管", "84.20", True),
        ("楼道美化", "72.53", True),
        ("长者助餐点", "71.27", False),
    ]
    assert funded["left_fen"] == 300_000
    childcare, garden = funded["ranking"][0]["project_id"], funded["ranking"][1]["project_id"]

    # Execution: spend on the childcare line up to what it holds; one fen more is refused.
    page = (await client.get(f"{API}/projects/{childcare}", headers=auth(world.neighbour))).json()
    line = page["budget_lines"][0]
    spend = f"{API}/projects/{childcare}/spending"
    body = {
        "line_id": line["id"],
        "amount_fen": 400_000,
        "spent_on": clock.today().isoformat(),
        "payee": "托管老师",
    }
    assert (await client.post(spend, json=body, headers=auth(world.neighbour))).status_code == 201
    r = await client.post(spend, json=body | {"amount_fen": 1}, headers=auth(world.neighbour))
    assert (r.status_code, r.json()["code"]) == (409, "budget_line_overspent")

    # Acceptance: the garden falls under the bar and a rectification item opens for its applicant.
    r = await client.post(
        f"{API}/projects/{garden}/acceptance",
        json={
            "indicators": [{"name": "花箱安装", "unit": "个", "target": 30, "actual": 12}],
            "reviewer_score": 50,
            "satisfaction": 55,
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    out = r.json()
    # 40 % × 40.00 + 40 % × 50 + 20 % × 55 = 16 + 20 + 11 = 47.00 < 60
    assert (out["total"], out["grade_label"], len(out["rectification_ids"])) == ("47.00", "不合格", 1)
    items = (
        await client.get(
            f"{API}/rectifications",
            params={"source_kind": "project", "source_id": garden},
            headers=auth(world.staff),
        )
    ).json()
    listed = items["items"] if isinstance(items, dict) else items
    assert [i["id"] for i in listed] == out["rectification_ids"]
    public = (await client.get(f"{API}/projects/{garden}", headers=auth(world.resident))).json()
    assert (public["status_label"], public["grade_label"], public["acceptance"]["total"]) == (
        "整改中",
        "不合格",
        "47.00",
    )
