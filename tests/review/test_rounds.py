"""The residents' review panel through HTTP: a full round, results, a low score opening a rectification."""

from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from tests.support.consultation import shanghai
from tests.support.factories import World, auth, make_user
from tests.support.review import API, appoint, criteria, items, open_round, score


async def test_a_full_round_publishes_results_and_a_low_score_opens_a_rectification(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    third = await make_user(db, community=world.community, name="陈大姐")
    members = [world.resident, world.neighbour, third]
    for m in members:
        await appoint(client, world.staff, m)
    rnd = await open_round(client, world.staff, items=items(owner=world.handler))
    (a1, a2), (b1, b2) = criteria(rnd)
    sheets = [((5, 4), (2, 3)), ((4, 4), (2, 2)), ((5, 5), (3, 1))]
    for m, ((sa1, sa2), (sb1, sb2)) in zip(members, sheets, strict=True):
        r = await score(
            client, m, rnd["id"], [(a1, sa1), (a2, sa2), (b1, sb1), (b2, sb2)], comment="楼道有时不扫"
        )
        assert r.status_code == 200, r.text
    # While open, a member sees only their own scores and no results.
    mine = r.json()
    assert mine["member"] is True
    assert [c["my_score"] for c in mine["items"][1]["criteria"]] == [3, 1]
    assert mine["items"][0]["criteria"][0]["mean"] is None
    assert mine["items"][0]["result"] is None
    # The owner (李师傅) self-assesses their item; staff do it for the unit without an account.
    r = await client.post(
        f"{API}/{rnd['id']}/self-assessments",
        json={
            "item_id": rnd["items"][1]["id"],
            "scores": [{"criterion_id": b1, "score": 4}, {"criterion_id": b2, "score": 4}],
        },
        headers=auth(world.handler),
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"{API}/{rnd['id']}/self-assessments",
        json={
            "item_id": rnd["items"][0]["id"],
            "scores": [{"criterion_id": a1, "score": 5}, {"criterion_id": a2, "score": 5}],
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 200
    r = await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["status"], out["status_label"], out["threshold"]) == ("closed", "已公布", 3.0)
    a, b = out["items"][0]["result"], out["items"][1]["result"]
    # A: 5,4,4,4,5,5 → mean 27/6 = 4.5; every score 0.5 from it → spread 0.5; self 5 → gap 0.5.
    assert (a["count"], a["mean"], a["stddev"], a["minimum"], a["maximum"]) == (6, 4.5, 0.5, 4, 5)
    assert (a["self_mean"], a["gap"], a["below_threshold"], a["rectification"]) == (5.0, 0.5, False, None)
    # B: 2,3,2,2,3,1 → 13/6 = 2.17; variance (1+25+1+1+25+49)/36/6 = 0.4722 → spread 0.69; self 4 → gap 1.83.
    assert (b["count"], b["mean"], b["stddev"], b["minimum"], b["maximum"]) == (6, 2.17, 0.69, 1, 3)
    assert (b["self_mean"], b["gap"], b["below_threshold"]) == (4.0, 1.83, True)
    assert b["comments"] == ["楼道有时不扫"] * 6
    fix = b["rectification"]
    # 20 working days from Wednesday 2026-09-30, across National Day (10-01…10-07, make-up Saturday 10-10).
    assert fix["deadline_on"] == "2026-11-03" == workdays.add_workdays(date(2026, 9, 30), 20).isoformat()
    assert fix["status"] == "open"
    assert out["items"][1]["criteria"][0]["mean"] == 2.33  # 2, 2, 3
    # The rectification: owned by the item's owner, readable by the panel and residents, with notes.
    r = await client.get(
        "/api/v1/rectifications",
        params={"source_kind": "review_round", "source_id": rnd["id"]},
        headers=auth(world.resident),
    )
    listed = r.json()["items"]
    assert [i["id"] for i in listed] == [fix["id"]]
    assert listed[0]["owner_name"] == "李师傅"
    assert listed[0]["deadline_workdays"] == 20
    r = await client.post(
        f"/api/v1/rectifications/{fix['id']}/notes",
        json={"body": "已增加保洁频次为每日两次"},
        headers=auth(world.handler),
    )
    assert r.status_code == 201
    r = await client.get(f"/api/v1/rectifications/{fix['id']}", headers=auth(third))
    assert [n["body"] for n in r.json()["notes"]] == ["已增加保洁频次为每日两次"]
    # Residents of the community read the published round; another community does not.
    r = await client.get(f"{API}/{rnd['id']}", headers=auth(world.merchant_staff))  # a resident, not a member
    assert r.status_code == 200
    assert r.json()["items"][1]["result"]["mean"] == 2.17
    r = await client.get(f"{API}/{rnd['id']}", headers=auth(world.other_resident))
    assert r.status_code == 404
    # The next round shows the previous score (and its rectification) beside the new one.
    clock.freeze(shanghai(2027, 3, 1))
    nxt = await open_round(
        client, world.staff, title="2027年上半年居民评议会", items=items(owner=world.handler)
    )
    assert nxt["previous_round_id"] == rnd["id"]
    prev = nxt["items"][1]["previous"]
    assert (prev["round_id"], prev["mean"], prev["rectification"]["id"]) == (rnd["id"], 2.17, fix["id"])
    assert nxt["items"][0]["previous"]["mean"] == 4.5  # matched by subject "便民理发"


async def test_only_members_in_their_term_score_an_open_round(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    await appoint(client, world.staff, world.resident)
    await appoint(client, world.staff, world.neighbour, start=date(2024, 1, 1), end=date(2025, 12, 31))
    draft = await client.post(API, json={"title": "评议会", "items": items()}, headers=auth(world.staff))
    (a1, _a2), _ = criteria(draft.json())
    r = await score(client, world.resident, draft.json()["id"], [(a1, 4)])
    assert r.status_code == 404  # a draft is staff's only
    rnd = await open_round(client, world.staff)
    (c1, c2), (c3, _c4) = criteria(rnd)
    r = await score(client, world.neighbour, rnd["id"], [(c1, 4)])  # term over
    assert r.status_code == 404  # not a member now, not an owner: the open round is not theirs to read
    r = await score(client, world.handler, rnd["id"], [(c1, 4)])
    assert r.status_code == 404
    r = await score(client, world.staff, rnd["id"], [(c1, 4)])
    assert r.status_code == 403
    assert r.json()["code"] == "not_panel_member"
    r = await score(client, world.resident, rnd["id"], [(a1, 4)])  # a criterion of another round
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_criterion"
    r = await score(client, world.resident, rnd["id"], [(c1, 6)])
    assert r.status_code == 422
    r = await score(client, world.resident, rnd["id"], [(c1, 4), (c1, 5)])
    assert r.status_code == 422
    # Scoring again replaces the score.
    assert (await score(client, world.resident, rnd["id"], [(c1, 2), (c2, 3)])).status_code == 200
    r = await score(client, world.resident, rnd["id"], [(c1, 5)])
    assert [c["my_score"] for c in r.json()["items"][0]["criteria"]] == [5, 3]
    r = await client.post(
        f"{API}/{rnd['id']}/self-assessments",
        json={"item_id": rnd["items"][1]["id"], "scores": [{"criterion_id": c3, "score": 5}]},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_item_owner"
    r = await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.other_staff))
    assert r.status_code == 404
    r = await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.staff))
    assert r.status_code == 200
    # 5 and 3 on item one: mean 4.0, nothing to rectify; item two has no scores: no result, no rectification.
    out = r.json()
    assert out["items"][0]["result"]["mean"] == 4.0
    assert (out["items"][1]["result"]["mean"], out["items"][1]["result"]["rectification"]) == (None, None)
    assert (await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.staff))).status_code == 409
    r = await score(client, world.resident, rnd["id"], [(c1, 1)])
    assert r.status_code == 409
    assert r.json()["code"] == "review_round_not_open"


async def test_lists_by_role(client: AsyncClient, db: AsyncSession, world: World) -> None:
    await appoint(client, world.staff, world.resident)
    rnd = await open_round(client, world.staff)
    ids = lambda r: [i["id"] for i in r.json()["items"]]  # noqa: E731
    assert ids(await client.get(API, headers=auth(world.staff))) == [rnd["id"]]
    assert ids(await client.get(API, headers=auth(world.resident))) == [rnd["id"]]  # a member
    assert ids(await client.get(API, headers=auth(world.neighbour))) == []  # open: not yet public
    assert ids(await client.get(API, headers=auth(world.other_staff))) == []
    await client.post(f"{API}/{rnd['id']}/close", headers=auth(world.staff))
    assert ids(await client.get(API, headers=auth(world.neighbour))) == [rnd["id"]]
    assert ids(await client.get(API, params={"status": "open"}, headers=auth(world.staff))) == []


async def test_appointing_panel_members(client: AsyncClient, db: AsyncSession, world: World) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    m = await appoint(client, world.staff, world.resident)
    assert m["active"] is True
    assert m["name"] == "张阿姨"
    r = await client.post(
        "/api/v1/review-panel/members",
        json={"user_id": str(world.resident.id), "term_start": "2027-06-01", "term_end": "2028-06-01"},
        headers=auth(world.staff),
    )
    assert r.status_code == 409
    assert r.json()["code"] == "already_panel_member"
    r = await client.post(
        "/api/v1/review-panel/members",
        json={"user_id": str(world.other_resident.id), "term_start": "2026-01-01", "term_end": "2026-12-31"},
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "not_a_resident"
    r = await client.post(
        "/api/v1/review-panel/members",
        json={"user_id": str(world.neighbour.id), "term_start": "2026-01-01", "term_end": "2026-12-31"},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
    r = await client.get("/api/v1/review-panel/members", headers=auth(world.neighbour))
    assert [x["name"] for x in r.json()] == ["张阿姨"]
    r = await client.get("/api/v1/review-panel/members", headers=auth(world.other_resident))
    assert r.json() == []
    r = await client.post(f"/api/v1/review-panel/members/{m['id']}/end", headers=auth(world.other_staff))
    assert r.status_code == 404
    clock.freeze(shanghai(2026, 10, 9))
    r = await client.post(f"/api/v1/review-panel/members/{m['id']}/end", headers=auth(world.staff))
    assert r.json()["term_end"] == "2026-10-09"
    clock.freeze(shanghai(2026, 10, 10))
    r = await client.get("/api/v1/review-panel/members", headers=auth(world.neighbour))
    assert r.json() == []
