"""Selection through HTTP: eligibility, reviewers with conflicts, weighted scores, the vote, funding."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.projects import Ballot
from tests.support.consultation import resolved_decision
from tests.support.factories import World, auth, make_user
from tests.support.projects import (
    API,
    add_reviewer,
    eligible,
    new_application,
    new_call,
    one_line,
    score,
    voting_call_body,
)


async def _three(
    client: AsyncClient, world: World, db: AsyncSession, **call: object
) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    c = await new_call(client, world.staff, **(voting_call_body(budget_cap_fen=1_000_000) | call))
    applicants = [
        world.resident,
        world.neighbour,
        await make_user(db, community=world.community, name="孙阿姨"),
    ]
    apps = [
        await new_application(client, c["id"], who, title=title, budget_lines=one_line("经费", fen))
        for who, title, fen in zip(
            applicants, ("长者助餐点", "儿童托管", "楼道美化"), (500_000, 400_000, 300_000), strict=True
        )
    ]
    for a in apps:
        await eligible(client, world.staff, a["id"])
    return c, apps


async def test_the_ranking_funds_highest_first_and_skips_what_no_longer_fits(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    """Hand-computed (weights 40/35/25 of 10 points each; vote weight 20 %; cap 10,000.00 yuan):

    reviews   R1 (staff)        R2 (expert)        mean
      A 助餐   9,8,7 → 81.50     8,8,8 → 80.00      80.75
      B 托管   8,8,8 → 80.00     9,7,8 → 80.50      80.25
      C 美化   7,9,9 → 82.00     6,7,7 → 66.00      74.00
    votes A 1, B 3, C 2 → vote score 33.33, 100.00, 66.67
    ranking = 80 % review + 20 % vote: B 84.20, C 72.53, A 71.27
    cap 1,000,000 fen: B 400,000 (left 600,000), C 300,000 (left 300,000), A 500,000 no longer fits.
    """
    c, (a, b, cc) = await _three(client, world, db)
    expert = await make_user(db, community=world.other_community, name="高教授")
    await add_reviewer(client, world.staff, c["id"], world.staff)
    await add_reviewer(client, world.staff, c["id"], expert, "expert")
    for app, marks in ((a, [9, 8, 7]), (b, [8, 8, 8]), (cc, [7, 9, 9])):
        r = await score(client, c, app["id"], world.staff, marks)
        assert r.status_code == 201, r.text
    for app, marks in ((a, [8, 8, 8]), (b, [9, 7, 8]), (cc, [6, 7, 7])):
        assert (await score(client, c, app["id"], expert, marks)).status_code == 201
    assert (await score(client, c, a["id"], world.staff, [1, 1, 1])).json()["code"] == "already_reviewed"
    voters = [await make_user(db, community=world.community) for _ in range(4)]
    clock.freeze(clock.now() + timedelta(days=12))
    for voter, picks in zip(voters, ([a, b], [b], [b, cc], [cc]), strict=True):
        r = await client.post(
            f"{API}/project-calls/{c['id']}/votes",
            json={"application_ids": [p["id"] for p in picks]},
            headers=auth(voter),
        )
        assert r.status_code == 201, r.text
    r = await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")  # still voting
    clock.freeze(clock.now() + timedelta(days=7))
    preview = (await client.get(f"{API}/project-calls/{c['id']}/ranking", headers=auth(world.staff))).json()
    r = await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    out = r.json()
    ranking = [(x["title"], x["review_score"], x["votes"], x["score"], x["funded"]) for x in out["ranking"]]
    assert ranking == [
        ("儿童托管", "80.25", 3, "84.20", True),
        ("楼道美化", "74.00", 2, "72.53", True),
        ("长者助餐点", "80.75", 1, "71.27", False),
    ]
    assert [x["funded"] for x in preview["ranking"]] == [True, True, False]
    assert (out["funded_fen"], out["left_fen"], out["funded_yuan"]) == (700_000, 300_000, "7000.00")
    assert "3000.00" in out["ranking"][2]["note"]
    assert all(x["project_id"] for x in out["ranking"][:2])
    assert out["ranking"][2]["project_id"] is None
    call = (await client.get(f"{API}/project-calls/{c['id']}", headers=auth(world.resident))).json()
    assert (call["status"], call["phase"], call["funded_fen"]) == ("funded", "funded", 700_000)
    again = await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    assert again.status_code == 409
    mine = (await client.get(f"{API}/project-applications/{a['id']}", headers=auth(world.resident))).json()
    assert (mine["status"], mine["rank"]) == ("not_funded", 3)


async def test_skipping_goes_on_to_a_smaller_one_that_still_fits(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    c = await new_call(client, world.staff, budget_cap_fen=1_000_000)
    await add_reviewer(client, world.staff, c["id"], world.staff)
    people = [await make_user(db, community=world.community) for _ in range(4)]
    budgets = (600_000, 500_000, 300_000, 100_000)
    marks = ([10, 10, 10], [9, 9, 9], [8, 8, 8], [7, 7, 7])
    for who, fen, m in zip(people, budgets, marks, strict=True):
        app = await new_application(client, c["id"], who, budget_lines=one_line("经费", fen))
        await eligible(client, world.staff, app["id"])
        assert (await score(client, c, app["id"], world.staff, m)).status_code == 201
    clock.freeze(clock.now() + timedelta(days=11))
    out = (
        await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    ).json()
    # 600,000 fits (left 400,000); 500,000 does not; 300,000 fits (left 100,000); 100,000 fits.
    assert [(x["requested_fen"], x["funded"]) for x in out["ranking"]] == [
        (600_000, True),
        (500_000, False),
        (300_000, True),
        (100_000, True),
    ]
    assert out["left_fen"] == 0


async def test_a_reviewer_with_a_declared_conflict_cannot_score(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    c, (a, b, _c) = await _three(client, world, db)
    expert = await make_user(db, community=world.other_community, name="高教授")
    await add_reviewer(client, world.staff, c["id"], expert, "expert")
    r = await client.post(
        f"{API}/project-applications/{b['id']}/conflicts",
        json={"reason": "申报人是我的亲属"},
        headers=auth(expert),
    )
    assert r.status_code == 201, r.text
    r = await score(client, c, b["id"], expert, [9, 9, 9])
    assert (r.status_code, r.json()["code"]) == (409, "reviewer_conflicted")
    assert (await score(client, c, a["id"], expert, [9, 9, 9])).status_code == 201
    # The applicant, made a reviewer, is conflicted on their own application without declaring it.
    await add_reviewer(client, world.staff, c["id"], world.resident)
    r = await score(client, c, a["id"], world.resident, [9, 9, 9])
    assert r.json()["code"] == "reviewer_conflicted"
    # Not a reviewer: 403. Without the declaration: 422. Bad scores: 422.
    r = await score(client, c, a["id"], world.neighbour, [9, 9, 9])
    assert r.status_code in (403, 404)
    await add_reviewer(client, world.staff, c["id"], world.staff)
    r = await client.post(
        f"{API}/project-applications/{b['id']}/reviews",
        json={"scores": {x["id"]: 5 for x in c["criteria"]}, "no_conflict": False},
        headers=auth(world.staff),
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_scores")
    r = await score(client, c, b["id"], world.staff, [11, 5, 5])
    assert (r.status_code, r.json()["code"]) == (422, "invalid_scores")
    reviewers = (
        await client.get(f"{API}/project-calls/{c['id']}/reviewers", headers=auth(world.staff))
    ).json()
    assert {(x["name"], x["reviews"], x["conflicts"]) for x in reviewers} >= {("高教授", 1, 1)}


async def test_eligibility_needs_reasons_and_residents_see_only_eligible(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    c = await new_call(client, world.staff)
    app = await new_application(client, c["id"], world.resident)
    url = f"{API}/project-applications/{app['id']}/eligibility"
    r = await client.post(url, json={"eligible": False}, headers=auth(world.staff))
    assert r.status_code == 422
    r = await client.post(
        url, json={"eligible": False, "reasons": ["预算超出服务范围"]}, headers=auth(world.staff)
    )
    assert r.json()["status"] == "ineligible"
    assert r.json()["eligibility_reasons"] == ["预算超出服务范围"]
    assert (await client.post(url, json={"eligible": True}, headers=auth(world.resident))).status_code == 403
    assert (
        await client.post(url, json={"eligible": True}, headers=auth(world.other_staff))
    ).status_code == 404
    r = await client.get(f"{API}/project-applications/{app['id']}", headers=auth(world.neighbour))
    assert r.status_code == 404
    await client.post(url, json={"eligible": True}, headers=auth(world.staff))
    seen = (await client.get(f"{API}/project-applications/{app['id']}", headers=auth(world.neighbour))).json()
    assert seen["eligibility_reasons"] is None
    assert seen["applicant_name"] == "张**"


async def test_vote_rules(client: AsyncClient, world: World, db: AsyncSession) -> None:
    c, (a, b, cc) = await _three(client, world, db)
    url = f"{API}/project-calls/{c['id']}/votes"
    r = await client.post(url, json={"application_ids": [a["id"]]}, headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "voting_closed")
    clock.freeze(clock.now() + timedelta(days=12))
    r = await client.post(
        url, json={"application_ids": [a["id"], b["id"], cc["id"]]}, headers=auth(world.resident)
    )
    assert (r.status_code, r.json()["code"]) == (422, "too_many_picks")
    r = await client.post(url, json={"application_ids": [a["id"], a["id"]]}, headers=auth(world.resident))
    assert r.json()["code"] == "too_many_picks"
    r = await client.post(url, json={"application_ids": [a["id"]]}, headers=auth(world.handler))
    assert r.status_code == 201, r.text  # the handler lives in the community too
    r = await client.post(url, json={"application_ids": [a["id"]]}, headers=auth(world.other_resident))
    assert r.status_code == 404
    outsider = await make_user(db, community=None)
    r = await client.post(url, json={"application_ids": [a["id"]]}, headers=auth(outsider))
    assert r.status_code == 404
    r = await client.post(url, json={"application_ids": [a["id"], b["id"]]}, headers=auth(world.resident))
    assert r.status_code == 201
    r = await client.post(url, json={"application_ids": [cc["id"]]}, headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "already_voted")
    call = (await client.get(f"{API}/project-calls/{c['id']}", headers=auth(world.resident))).json()
    assert set(call["my_votes"]) == {a["id"], b["id"]}
    ballots = (await db.execute(select(func.count()).select_from(Ballot))).scalar_one()
    assert ballots == 2


async def test_funding_links_a_resolved_decision(client: AsyncClient, world: World, db: AsyncSession) -> None:
    c = await new_call(client, world.staff)
    app = await new_application(client, c["id"], world.resident)
    clock.freeze(clock.now() + timedelta(days=11))
    r = await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    assert r.status_code == 409  # one application has not had its eligibility check
    await eligible(client, world.staff, app["id"])
    pending = (
        await client.post(f"{API}/decisions", json={"title": "民生微实事立项"}, headers=auth(world.staff))
    ).json()
    r = await client.post(
        f"{API}/project-calls/{c['id']}/fund", json={"decision_id": pending["id"]}, headers=auth(world.staff)
    )
    assert (r.status_code, r.json()["code"]) == (409, "decision_not_resolved")
    decision = await resolved_decision(client, world.staff)
    r = await client.post(
        f"{API}/project-calls/{c['id']}/fund", json={"decision_id": decision["id"]}, headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    assert r.json()["decision_id"] == decision["id"]
    assert r.json()["ranking"][0]["funded"] is True


async def test_the_call_export_writes_money_in_yuan_with_two_decimals(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    c = await new_call(client, world.staff)
    app = await new_application(client, c["id"], world.resident, budget_lines=one_line("经费", 123_405))
    await eligible(client, world.staff, app["id"])
    clock.freeze(clock.now() + timedelta(days=11))
    assert (
        await client.post(f"{API}/project-calls/{c['id']}/fund", json={}, headers=auth(world.staff))
    ).status_code == 200
    r = await client.get(f"{API}/project-calls/{c['id']}/export.csv", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    body = r.content.decode("utf-8-sig")
    assert "100000.00" in body  # the cap
    row = next(line for line in body.splitlines() if "长者助餐点" in line)
    assert row.split(",")[-3:] == ["1234.05", "1234.05", "0.00"]
    r = await client.get(f"{API}/project-calls/{c['id']}/export.xlsx", headers=auth(world.staff))
    assert r.status_code == 200
    assert (
        await client.get(f"{API}/project-calls/{c['id']}/export.csv", headers=auth(world.resident))
    ).status_code == 403
