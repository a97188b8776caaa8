"""Consultation meetings through HTTP: agenda, seats, door-code check-in, staff marking, minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from tests.support.consultation import API, accepted_proposal, meeting_body, new_meeting, new_proposal
from tests.support.factories import World, auth, make_user


def at(meeting: dict[str, Any], minutes: int = 0) -> datetime:
    return datetime.fromisoformat(meeting["starts_at"]) + timedelta(minutes=minutes)


async def code_of(client: httpx.AsyncClient, world: World, meeting_id: str) -> str:
    r = await client.get(f"{API}/meetings/{meeting_id}/checkin-code", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    return r.json()["code"]  # type: ignore[no-any-return]


async def register(client: httpx.AsyncClient, who: Any, meeting_id: str) -> httpx.Response:
    return await client.post(f"{API}/meetings/{meeting_id}/registrations", headers=auth(who))


async def test_a_meeting_takes_accepted_proposals_and_staff_topics(
    client: httpx.AsyncClient, world: World
) -> None:
    p = await accepted_proposal(client, world.resident, world.staff, "东门增设充电桩")
    m = await new_meeting(
        client,
        world.staff,
        topics=[{"proposal_id": p["id"]}, {"title": "楼道堆物清理方案", "description": "物业提出"}],
    )
    assert m["community_id"] == str(world.community.id)
    assert m["status"] == "planned"
    assert m["status_label"] == "待召开"
    assert [t["title"] for t in m["topics"]] == ["东门增设充电桩", "楼道堆物清理方案"]
    assert [x["label"] for x in m["parties"]] == ["居民代表", "物业", "业委会"]
    assert m["seats_left"] == 10
    seen = (await client.get(f"{API}/proposals/{p['id']}", headers=auth(world.resident))).json()
    assert seen["status"] == "scheduled"
    assert "社区茶馆" in seen["timeline"][-1]["body"]
    # The same proposal cannot be put on a second meeting; an open one cannot be put on any.
    r = await client.post(
        f"{API}/meetings", json=meeting_body(topics=[{"proposal_id": p["id"]}]), headers=auth(world.staff)
    )
    assert r.status_code == 409
    assert r.json()["code"] == "proposal_not_accepted"
    fresh = await new_proposal(client, world.neighbour, "还没受理的")
    r = await client.post(
        f"{API}/meetings/{m['id']}/topics", json={"proposal_id": fresh["id"]}, headers=auth(world.staff)
    )
    assert r.json()["code"] == "proposal_not_accepted"
    listed = (await client.get(f"{API}/meetings", headers=auth(world.neighbour))).json()["items"]
    assert [x["id"] for x in listed] == [m["id"]]
    assert listed[0]["topics_count"] == 2


async def test_bad_meetings_are_refused(client: httpx.AsyncClient, world: World) -> None:
    start = clock.now() + timedelta(days=1)
    for extra in (
        {"ends_at": (start - timedelta(hours=1)).isoformat(), "starts_at": start.isoformat()},
        {"starts_at": (clock.now() - timedelta(hours=1)).isoformat()},
        {"parties": ["mafia"]},
        {"seats": -1},
        {"quorum": 0},
        {"title": "议事\u0007"},
    ):
        r = await client.post(f"{API}/meetings", json=meeting_body(**extra), headers=auth(world.staff))
        assert r.status_code == 422, (extra, r.text)
    r = await client.post(f"{API}/meetings", json=meeting_body(), headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(
        f"{API}/meetings", json=meeting_body(topics=[{"description": "no title"}]), headers=auth(world.staff)
    )
    assert r.status_code == 422


async def test_registration_takes_a_seat_once_until_full(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    m = await new_meeting(client, world.staff, seats=2)
    r = await register(client, world.resident, m["id"])
    assert r.status_code == 201
    assert r.json()["seats_left"] == 1
    r = await register(client, world.resident, m["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "already_registered"
    assert (await register(client, world.neighbour, m["id"])).status_code == 201
    third = await make_user(db, community=world.community)
    r = await register(client, third, m["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "meeting_full"
    r = await client.delete(f"{API}/meetings/{m['id']}/registrations/me", headers=auth(world.neighbour))
    assert r.status_code == 200
    assert r.json()["seats_left"] == 1
    assert (await register(client, third, m["id"])).status_code == 201
    r = await client.delete(f"{API}/meetings/{m['id']}/registrations/me", headers=auth(world.neighbour))
    assert r.json()["code"] == "not_registered"
    staff_view = (await client.get(f"{API}/meetings/{m['id']}", headers=auth(world.staff))).json()
    assert {x["name"] for x in staff_view["registrations"]} == {"张阿姨", third.name}
    resident_view = (await client.get(f"{API}/meetings/{m['id']}", headers=auth(world.resident))).json()
    assert resident_view["registrations"] is None
    assert resident_view["registered"] is True
    clock.freeze(at(m, 1))
    r = await register(client, world.neighbour, m["id"])
    assert r.json()["code"] == "registration_closed"


async def test_qr_check_in_with_the_current_expired_and_wrong_codes(
    client: httpx.AsyncClient, world: World
) -> None:
    m = await new_meeting(client, world.staff)
    await register(client, world.resident, m["id"])
    url = f"{API}/meetings/{m['id']}/check-in"
    clock.freeze(at(m, -60))
    code = await code_of(client, world, m["id"])
    r = await client.post(url, json={"code": code}, headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "outside_window"
    start = at(m, -10).replace(second=0)
    clock.freeze(start)
    code = await code_of(client, world, m["id"])
    clock.freeze(start + timedelta(seconds=125))  # two windows later: a real code, expired
    r = await client.post(url, json={"code": code}, headers=auth(world.resident))
    assert r.status_code == 422
    assert r.json()["code"] == "code_expired"
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    r = await client.post(url, json={"code": wrong}, headers=auth(world.resident))
    assert r.json()["code"] == "code_invalid"
    r = await client.post(url, json={"code": "abc"}, headers=auth(world.resident))
    assert r.json()["code"] == "code_invalid"
    code = await code_of(client, world, m["id"])
    r = await client.post(url, json={"code": code}, headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "not_registered"
    r = await client.post(url, json={"code": code}, headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["method"] == "qr"
    r = await client.post(url, json={"code": code}, headers=auth(world.resident))
    assert r.json()["code"] == "already_checked_in"
    view = (await client.get(f"{API}/meetings/{m['id']}", headers=auth(world.resident))).json()
    assert view["checked_in"] is True
    assert view["attendance"] == 1


async def test_an_activity_code_does_not_open_a_meeting_door(client: httpx.AsyncClient, world: World) -> None:
    """The same mechanism, another key and label: the code of one subject is worthless for another."""
    from app.consultation.attendance import KEY_PURPOSE
    from app.core.rotating_code import RotatingCode
    from app.core.security import derive_key
    from tests.support.factories import TEST_SETTINGS

    m = await new_meeting(client, world.staff)
    await register(client, world.resident, m["id"])
    clock.freeze(at(m, 1))
    other_key = derive_key(TEST_SETTINGS.resolved_jwt_secret(), "checkin-code")
    import uuid as _uuid

    forged = RotatingCode("linli-checkin").issue(other_key, _uuid.UUID(m["id"]), clock.now()).code
    r = await client.post(
        f"{API}/meetings/{m['id']}/check-in", json={"code": forged}, headers=auth(world.resident)
    )
    assert r.json()["code"] == "code_invalid"
    assert KEY_PURPOSE != "checkin-code"


async def test_wrong_codes_are_rate_limited_per_resident(client: httpx.AsyncClient, world: World) -> None:
    m = await new_meeting(client, world.staff)
    await register(client, world.resident, m["id"])
    clock.freeze(at(m, 1))
    url = f"{API}/meetings/{m['id']}/check-in"
    for _ in range(10):
        r = await client.post(url, json={"code": "12345678"}, headers=auth(world.resident))
        assert r.json()["code"] == "code_invalid"
    r = await client.post(url, json={"code": "12345678"}, headers=auth(world.resident))
    assert r.status_code == 429
    assert "Retry-After" in r.headers


async def test_staff_mark_a_resident_and_an_invited_party(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    m = await new_meeting(client, world.staff)
    url = f"{API}/meetings/{m['id']}/attendance"
    clock.freeze(at(m, 5))
    r = await client.post(url, json={"user_id": str(world.neighbour.id)}, headers=auth(world.staff))
    assert r.status_code == 201, r.text
    assert r.json()["method"] == "staff"
    r = await client.post(url, json={"name": "陈经理", "party": "property"}, headers=auth(world.staff))
    assert r.status_code == 201
    assert r.json()["party_label"] == "物业"
    r = await client.post(url, json={"name": "陈经理"}, headers=auth(world.staff))
    assert r.json()["code"] == "attendee_required"
    r = await client.post(url, json={"user_id": str(world.neighbour.id)}, headers=auth(world.staff))
    assert r.json()["code"] == "already_checked_in"
    r = await client.post(url, json={"user_id": str(world.other_resident.id)}, headers=auth(world.staff))
    assert r.status_code == 403
    r = await client.post(url, json={"user_id": str(world.neighbour.id)}, headers=auth(world.resident))
    assert r.status_code == 403
    audited = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "meeting.attendance")))
        .scalars()
        .all()
    )
    assert len(audited) == 2


async def _attend(client: httpx.AsyncClient, world: World, m: dict[str, Any], *people: Any) -> list[str]:
    ids = []
    for person in people:
        r = await client.post(
            f"{API}/meetings/{m['id']}/attendance",
            json={"user_id": str(person.id)},
            headers=auth(world.staff),
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def test_minutes_with_quorum_failure_are_refused(client: httpx.AsyncClient, world: World) -> None:
    m = await new_meeting(client, world.staff, quorum=2, topics=[{"title": "楼道堆物清理"}])
    topic = m["topics"][0]["id"]
    body = {"topics": [{"topic_id": topic, "summary": "大家同意限期清理", "outcome": "adopted"}]}
    url = f"{API}/meetings/{m['id']}/minutes"
    r = await client.post(url, json=body, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "meeting_not_started"
    clock.freeze(at(m, 30))
    await _attend(client, world, m, world.resident)
    r = await client.post(url, json=body, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "quorum_not_met"
    view = (await client.get(f"{API}/meetings/{m['id']}", headers=auth(world.staff))).json()
    assert view["status"] == "planned"
    assert view["topics"][0]["summary"] is None


async def test_minutes_close_the_meeting_and_move_proposals_on(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    adopted = await accepted_proposal(client, world.resident, world.staff, "东门增设充电桩")
    deferred = await accepted_proposal(client, world.neighbour, world.staff, "广场舞音量")
    referred = await accepted_proposal(client, world.resident, world.staff, "3栋加装电梯")
    m = await new_meeting(
        client,
        world.staff,
        quorum=2,
        topics=[
            {"proposal_id": adopted["id"]},
            {"proposal_id": deferred["id"]},
            {"proposal_id": referred["id"]},
            {"title": "楼道堆物"},
        ],
    )
    await register(client, world.resident, m["id"])
    clock.freeze(at(m, 10))
    third = await make_user(db, name="孙阿姨", community=world.community)
    a_res, a_nb, a_third = await _attend(client, world, m, world.resident, world.neighbour, third)
    t = [x["id"] for x in m["topics"]]
    url = f"{API}/meetings/{m['id']}/minutes"
    incomplete = {"topics": [{"topic_id": t[0], "summary": "同意", "outcome": "adopted"}]}
    r = await client.post(url, json=incomplete, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "minutes_incomplete"
    too_many = {"topic_id": t[0], "summary": "同意", "outcome": "adopted", "votes_for": 3, "votes_against": 2}
    minutes = {
        "note": "居民代表、物业、业委会参加",
        "topics": [
            too_many,
            {"topic_id": t[1], "summary": "意见分歧较大，下次再议", "outcome": "deferred"},
            {"topic_id": t[2], "summary": "属重大事项，转四议两公开", "outcome": "referred"},
            {"topic_id": t[3], "summary": "限期一周清理", "outcome": "adopted"},
        ],
    }
    r = await client.post(url, json=minutes, headers=auth(world.staff))
    assert r.json()["code"] == "invalid_votes"
    minutes["topics"][0] = {
        "topic_id": t[0],
        "summary": "同意",
        "outcome": "adopted",
        "votes": [{"attendee_id": a_res, "vote": "for"}, {"attendee_id": a_res, "vote": "for"}],
    }
    r = await client.post(url, json=minutes, headers=auth(world.staff))
    assert r.json()["code"] == "invalid_votes"
    minutes["topics"][0] = {
        "topic_id": t[0],
        "summary": "同意",
        "outcome": "adopted",
        "votes": [
            {"attendee_id": a_res, "vote": "for"},
            {"attendee_id": a_nb, "vote": "against"},
            {"attendee_id": a_third, "vote": "abstain"},
        ],
    }
    r = await client.post(url, json=minutes, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "votes_do_not_pass"
    minutes["topics"][0]["votes"][2]["vote"] = "for"  # type: ignore[index]
    r = await client.post(url, json=minutes, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "closed"
    assert out["quorum_met"] is True
    assert out["attendance_at_close"] == 3
    first = out["topics"][0]
    assert (first["votes_for"], first["votes_against"], first["votes_abstain"]) == (2, 1, 0)
    assert {v["name"] for v in first["votes"]} == {"张阿姨", "刘大爷", "孙阿姨"}
    public = (await client.get(f"{API}/meetings/{m['id']}", headers=auth(world.resident))).json()
    assert public["topics"][0]["votes"] is None
    assert public["topics"][0]["votes_for"] == 2
    assert public["topics"][0]["outcome_label"] == "通过"
    assert public["attendees"] is None

    async def proposal(pid: str) -> dict[str, Any]:
        return (await client.get(f"{API}/proposals/{pid}", headers=auth(world.resident))).json()  # type: ignore[no-any-return]

    assert (await proposal(adopted["id"]))["status"] == "discussed"
    assert (await proposal(deferred["id"]))["status"] == "accepted"
    moved = await proposal(referred["id"])
    assert moved["status"] == "discussed"
    assert moved["decision_id"] == out["topics"][2]["decision_id"]
    d = (await client.get(f"{API}/decisions/{moved['decision_id']}", headers=auth(world.staff))).json()
    assert d["title"] == "3栋加装电梯"
    assert d["status"] == "deliberating"
    told = (
        (await db.execute(select(Notification.kind).where(Notification.user_id == world.resident.id)))
        .scalars()
        .all()
    )
    assert "meeting.minutes" in told
    assert "proposal.discussed" in told
    # Written once.
    r = await client.post(url, json=minutes, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"


async def test_cancelling_puts_proposals_back_on_the_agenda(client: httpx.AsyncClient, world: World) -> None:
    p = await accepted_proposal(client, world.resident, world.staff, "东门增设充电桩")
    m = await new_meeting(client, world.staff, topics=[{"proposal_id": p["id"]}])
    r = await client.post(
        f"{API}/meetings/{m['id']}/cancel", json={"reason": "台风停课"}, headers=auth(world.staff)
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    seen = (await client.get(f"{API}/proposals/{p['id']}", headers=auth(world.resident))).json()
    assert seen["status"] == "accepted"
    assert (await register(client, world.resident, m["id"])).json()["code"] == "invalid_transition"
    again = await new_meeting(client, world.staff, topics=[{"proposal_id": p["id"]}])
    assert again["topics"][0]["proposal_id"] == p["id"]


async def test_residents_of_another_community_get_404_throughout(
    client: httpx.AsyncClient, world: World
) -> None:
    m = await new_meeting(client, world.staff, topics=[{"title": "楼道堆物"}])
    base = f"{API}/meetings/{m['id']}"
    outsider = auth(world.other_resident)
    for method, url, body in (
        ("GET", base, None),
        ("POST", f"{base}/registrations", None),
        ("DELETE", f"{base}/registrations/me", None),
        ("POST", f"{base}/check-in", {"code": "12345678"}),
    ):
        r = await client.request(method, url, json=body, headers=outsider)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["code"] == "meeting_not_found"
    assert (await client.get(f"{API}/meetings", headers=outsider)).json()["items"] == []
    other_staff = auth(world.other_staff)
    for method, url, body in (
        ("GET", f"{base}/checkin-code", None),
        ("POST", f"{base}/attendance", {"name": "x", "party": "property"}),
        (
            "POST",
            f"{base}/minutes",
            {"topics": [{"topic_id": m["topics"][0]["id"], "summary": "s", "outcome": "adopted"}]},
        ),
        ("POST", f"{base}/topics", {"title": "x"}),
        ("POST", f"{base}/cancel", {"reason": "x"}),
    ):
        r = await client.request(method, url, json=body, headers=other_staff)
        assert r.status_code == 404, (method, url, r.text)
    # Another community's proposal cannot be a topic here.
    foreign = await accepted_proposal(client, world.other_resident, world.other_staff, "乙社区的事")
    r = await client.post(
        f"{API}/meetings",
        json=meeting_body(topics=[{"proposal_id": foreign["id"]}]),
        headers=auth(world.staff),
    )
    assert r.status_code == 404
