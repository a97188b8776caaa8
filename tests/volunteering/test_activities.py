"""Volunteer activities through HTTP: lifecycle, sign-ups, rotating codes, attendance, settlement."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.ledger import Asset
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from app.models.volunteering import ActivityStatus
from tests.support.factories import World, auth, make_user
from tests.support.ledger import assert_ledger_ok, wallet_balance
from tests.support.volunteering import freeze_on_minute, make_activity, make_signup

A = "/api/v1/activities"


def _new(**over: object) -> dict[str, object]:
    start = clock.now() + timedelta(days=1)
    body: dict[str, object] = {
        "title": "敬老院陪伴",
        "location": "桃源敬老院",
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 5,
        "points_reward": 30,
    }
    body.update(over)
    return body


# ---------------------------------------------------------------------------------------- lifecycle


async def test_staff_create_publish_and_residents_see_it(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(A, json=_new(), headers=auth(world.staff))
    assert r.status_code == 201, r.text
    activity = r.json()
    assert activity["status"] == "draft"
    assert activity["minutes_reward"] == 120
    assert activity["community_id"] == str(world.community.id)
    assert (await client.get(f"{A}/{activity['id']}", headers=auth(world.resident))).status_code == 404
    assert (await client.get(A, headers=auth(world.resident))).json()["items"] == []

    p = await client.post(f"{A}/{activity['id']}/publish", headers=auth(world.staff))
    assert p.json()["status"] == "published"
    listed = (await client.get(A, headers=auth(world.resident))).json()["items"]
    assert [a["id"] for a in listed] == [activity["id"]]
    assert listed[0]["remaining"] == 5
    assert (await client.get(f"{A}/{activity['id']}", headers=auth(world.other_resident))).status_code == 404
    again = await client.post(f"{A}/{activity['id']}/publish", headers=auth(world.staff))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_residents_cannot_create_and_other_staff_cannot_touch(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    assert (await client.post(A, json=_new(), headers=auth(world.resident))).status_code == 403
    r = await client.post(A, json=_new(community_id=str(world.community.id)), headers=auth(world.other_staff))
    assert r.status_code == 404  # acting_community: out of scope reads as absent
    activity = await make_activity(db, world.community, world.staff, status=ActivityStatus.draft)
    await db.flush()
    assert (
        await client.post(f"{A}/{activity.id}/publish", headers=auth(world.other_staff))
    ).status_code == 404
    assert (await client.get(f"{A}/{activity.id}", headers=auth(world.other_staff))).status_code == 404


async def test_bad_times_are_refused(client: httpx.AsyncClient, world: World) -> None:
    start = clock.now() + timedelta(days=1)
    backwards = _new(end_at=(start - timedelta(hours=1)).isoformat(), start_at=start.isoformat())
    r = await client.post(A, json=backwards, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_times"
    too_many = await client.post(A, json=_new(minutes_reward=500), headers=auth(world.staff))
    assert too_many.status_code == 422
    naive = await client.post(A, json=_new(start_at="2026-12-01T09:00:00"), headers=auth(world.staff))
    assert naive.status_code == 422
    assert (await client.post(A, json=_new(capacity=0), headers=auth(world.staff))).status_code == 422


async def test_edit_cannot_shrink_below_signups(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(db, world.community, world.staff, capacity=3)
    await make_signup(db, activity, world.resident)
    await make_signup(db, activity, world.neighbour)
    await db.flush()
    r = await client.patch(f"{A}/{activity.id}", json={"capacity": 1}, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "capacity_below_signups"
    ok = await client.patch(
        f"{A}/{activity.id}", json={"capacity": 2, "title": "新标题"}, headers=auth(world.staff)
    )
    assert ok.status_code == 200
    assert ok.json()["title"] == "新标题"
    assert ok.json()["remaining"] == 0


async def test_cancel_tells_every_signed_up_volunteer(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(db, world.community, world.staff)
    await make_signup(db, activity, world.resident)
    await make_signup(db, activity, world.neighbour)
    await db.flush()
    r = await client.post(f"{A}/{activity.id}/cancel", json={"reason": "暴雨预警"}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    notes = (
        (await db.execute(select(Notification).where(Notification.kind == "activity.cancelled")))
        .scalars()
        .all()
    )
    assert {n.user_id for n in notes} == {world.resident.id, world.neighbour.id}
    assert "暴雨预警" in notes[0].body
    assert (await client.post(f"{A}/{activity.id}/cancel", headers=auth(world.staff))).status_code == 409


# ---------------------------------------------------------------------------------------- sign-ups


async def test_sign_up_once_then_withdraw_frees_the_place(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(db, world.community, world.staff, capacity=1)
    await db.flush()
    r = await client.post(f"{A}/{activity.id}/signups", headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "signed_up"
    twice = await client.post(f"{A}/{activity.id}/signups", headers=auth(world.resident))
    assert twice.json()["code"] == "already_signed_up"
    full = await client.post(f"{A}/{activity.id}/signups", headers=auth(world.neighbour))
    assert full.status_code == 409
    assert full.json()["code"] == "activity_full"
    mine = (await client.get(f"{A}/{activity.id}", headers=auth(world.resident))).json()
    assert mine["my_signup"]["status"] == "signed_up"
    w = await client.delete(f"{A}/{activity.id}/signups/me", headers=auth(world.resident))
    assert w.status_code == 200
    assert w.json()["status"] == "withdrawn"
    assert (await client.post(f"{A}/{activity.id}/signups", headers=auth(world.neighbour))).status_code == 201
    volunteers = (await client.get(f"{A}/{activity.id}/signups", headers=auth(world.staff))).json()
    assert {v["name"] for v in volunteers} == {"张阿姨", "刘大爷"}


async def test_sign_up_after_the_deadline_is_closed(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(db, world.community, world.staff, starts_in=timedelta(minutes=5))
    await db.flush()
    clock.freeze(clock.now() + timedelta(minutes=6))
    r = await client.post(f"{A}/{activity.id}/signups", headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "signup_closed"


async def test_cannot_sign_up_for_another_communitys_or_a_draft_activity(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    other = await make_activity(db, world.other_community, world.other_staff)
    draft = await make_activity(db, world.community, world.staff, status=ActivityStatus.draft)
    await db.flush()
    assert (await client.post(f"{A}/{other.id}/signups", headers=auth(world.resident))).status_code == 404
    assert (await client.post(f"{A}/{draft.id}/signups", headers=auth(world.resident))).status_code == 404


async def test_cannot_withdraw_once_started(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(db, world.community, world.staff)
    await make_signup(db, activity, world.resident)
    await db.flush()
    clock.freeze(activity.start_at + timedelta(minutes=1))
    r = await client.delete(f"{A}/{activity.id}/signups/me", headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "withdraw_closed"
    nobody = await client.delete(f"{A}/{activity.id}/signups/me", headers=auth(world.neighbour))
    assert nobody.status_code == 403
    assert nobody.json()["code"] == "not_signed_up"


# ---------------------------------------------------------------------------------------- check-in


async def _code(client: httpx.AsyncClient, world: World, activity_id: object) -> str:
    r = await client.get(f"{A}/{activity_id}/checkin-code", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    return str(r.json()["code"])


async def test_check_in_and_out_with_the_rotating_code(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    freeze_on_minute()
    activity = await make_activity(db, world.community, world.staff)
    await make_signup(db, activity, world.resident)
    await db.flush()
    code = await _code(client, world, activity.id)
    assert len(code) == 8
    r = await client.post(f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident))
    assert r.status_code == 200, r.text
    assert r.json()["checked_in_at"] is not None
    twice = await client.post(
        f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident)
    )
    assert twice.json()["code"] == "already_checked_in"

    clock.freeze(activity.end_at + timedelta(minutes=5))
    out_code = await _code(client, world, activity.id)
    assert out_code != code
    out = await client.post(
        f"{A}/{activity.id}/check-out", json={"code": out_code}, headers=auth(world.resident)
    )
    assert out.status_code == 200, out.text
    again = await client.post(
        f"{A}/{activity.id}/check-out", json={"code": out_code}, headers=auth(world.resident)
    )
    assert again.json()["code"] == "already_checked_out"


async def test_previous_code_works_during_the_grace_period_then_expires(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    start = freeze_on_minute(offset_seconds=50)
    activity = await make_activity(db, world.community, world.staff)
    await make_signup(db, activity, world.resident)
    await make_signup(db, activity, world.neighbour)
    await db.flush()
    code = await _code(client, world, activity.id)
    clock.freeze(start + timedelta(seconds=20))  # 10 s into the next window: grace
    ok = await client.post(f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident))
    assert ok.status_code == 200, ok.text
    clock.freeze(start + timedelta(seconds=55))  # 45 s into the next window: past the 30 s grace
    late = await client.post(
        f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.neighbour)
    )
    assert late.status_code == 422
    assert late.json()["code"] == "code_expired"
    clock.freeze(start + timedelta(minutes=10))
    older = await client.post(
        f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.neighbour)
    )
    assert older.json()["code"] == "code_expired"


async def test_code_of_another_activity_or_a_made_up_one_is_invalid(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    freeze_on_minute()
    activity = await make_activity(db, world.community, world.staff)
    other = await make_activity(db, world.community, world.staff, title="另一个活动")
    await make_signup(db, activity, world.resident)
    await db.flush()
    foreign = await _code(client, world, other.id)
    for code in (foreign, "12345678", "abc"):
        r = await client.post(
            f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident)
        )
        assert r.status_code == 422
        assert r.json()["code"] == "code_invalid"


async def test_check_in_needs_a_sign_up_and_the_window(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    freeze_on_minute()
    activity = await make_activity(db, world.community, world.staff, starts_in=timedelta(minutes=45))
    await make_signup(db, activity, world.resident)
    await db.flush()
    code = await _code(client, world, activity.id)
    stranger = await client.post(
        f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.neighbour)
    )
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_signed_up"
    early = await client.post(
        f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident)
    )
    assert early.status_code == 409
    assert early.json()["code"] == "outside_window"
    out_first = await client.post(
        f"{A}/{activity.id}/check-out", json={"code": code}, headers=auth(world.resident)
    )
    assert out_first.json()["code"] == "outside_window"
    clock.freeze(activity.start_at + timedelta(minutes=1))
    code = await _code(client, world, activity.id)
    not_in = await client.post(
        f"{A}/{activity.id}/check-out", json={"code": code}, headers=auth(world.resident)
    )
    assert not_in.json()["code"] == "not_checked_in"
    clock.freeze(activity.end_at + timedelta(minutes=31))
    code = await _code(client, world, activity.id)
    late = await client.post(f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident))
    assert late.json()["code"] == "outside_window"


async def test_only_staff_get_the_code(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    activity = await make_activity(db, world.community, world.staff)
    await db.flush()
    assert (
        await client.get(f"{A}/{activity.id}/checkin-code", headers=auth(world.resident))
    ).status_code == 403
    other = await client.get(f"{A}/{activity.id}/checkin-code", headers=auth(world.other_staff))
    assert other.status_code == 404


# ---------------------------------------------------------------------------------------- settlement


async def test_settlement_credits_actual_minutes_capped_and_points_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    freeze_on_minute()
    activity = await make_activity(
        db, world.community, world.staff, length=timedelta(hours=1), points_reward=20
    )
    for person in (world.resident, world.neighbour, world.handler):
        await make_signup(db, activity, person)
    await db.flush()
    staff = auth(world.staff)
    start, end = activity.start_at, activity.end_at
    # 张阿姨: 45 min 59 s → 45; 刘大爷: early and late → capped at 60; 李师傅: no check-out → nothing.
    for person, came, left in (
        (world.resident, start, start + timedelta(minutes=45, seconds=59)),
        (world.neighbour, start - timedelta(minutes=20), end + timedelta(minutes=20)),
        (world.handler, start, None),
    ):
        r = await client.post(
            f"{A}/{activity.id}/attendance",
            json={
                "user_id": str(person.id),
                "checked_in_at": came.isoformat(),
                "checked_out_at": left.isoformat() if left else None,
            },
            headers=staff,
        )
        assert r.status_code == 200, r.text
    early = await client.post(f"{A}/{activity.id}/settle", headers=staff)
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_transition"
    clock.freeze(end + timedelta(minutes=1))
    staff = auth(world.staff)  # a fresh token at the new time
    assert (await client.post(f"{A}/{activity.id}/finish", headers=staff)).json()["status"] == "finished"
    r = await client.post(f"{A}/{activity.id}/settle", headers=staff)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["attendees"] == 2
    assert body["minutes_credited"] == 105
    assert body["points_credited"] == 40
    assert await wallet_balance(db, world.resident, Asset.hours) == 45
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 60
    assert await wallet_balance(db, world.resident, Asset.points) == 20
    assert await wallet_balance(db, world.handler, Asset.hours) == 0
    twice = await client.post(f"{A}/{activity.id}/settle", headers=staff)
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_settled"
    assert await wallet_balance(db, world.resident, Asset.hours) == 45
    notes = (
        (await db.execute(select(Notification).where(Notification.kind == "volunteer.hours_credited")))
        .scalars()
        .all()
    )
    assert {n.user_id for n in notes} == {world.resident.id, world.neighbour.id}
    audit = (
        await db.execute(select(AuditEntry.action).where(AuditEntry.target_id == str(activity.id)))
    ).scalars()
    assert set(audit) >= {"activity.attendance", "activity.settle"}
    entries = (await client.get("/api/v1/wallet/entries", headers=auth(world.resident))).json()["items"]
    assert {e["kind"] for e in entries} == {"volunteer_reward"}
    await assert_ledger_ok(db)


async def test_scanned_attendance_settles_rounded_down(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    freeze_on_minute()
    activity = await make_activity(db, world.community, world.staff, points_reward=0)
    await make_signup(db, activity, world.resident)
    await db.flush()
    clock.freeze(activity.start_at + timedelta(seconds=30))
    code = await _code(client, world, activity.id)
    await client.post(f"{A}/{activity.id}/check-in", json={"code": code}, headers=auth(world.resident))
    clock.freeze(activity.start_at + timedelta(minutes=30, seconds=29))
    code = await _code(client, world, activity.id)
    await client.post(f"{A}/{activity.id}/check-out", json={"code": code}, headers=auth(world.resident))
    await client.post(f"{A}/{activity.id}/finish", headers=auth(world.staff))
    r = await client.post(f"{A}/{activity.id}/settle", headers=auth(world.staff))
    assert r.json()["credits"] == [{"user_id": str(world.resident.id), "minutes": 29, "points": 0}]


async def test_manual_attendance_rules(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    activity = await make_activity(db, world.community, world.staff, capacity=1)
    await make_signup(db, activity, world.resident)
    await db.flush()
    start = activity.start_at
    body = {"user_id": str(world.neighbour.id), "checked_in_at": start.isoformat()}
    full = await client.post(f"{A}/{activity.id}/attendance", json=body, headers=auth(world.staff))
    assert full.json()["code"] == "activity_full"
    backwards = {
        "user_id": str(world.resident.id),
        "checked_in_at": start.isoformat(),
        "checked_out_at": (start - timedelta(minutes=1)).isoformat(),
    }
    r = await client.post(f"{A}/{activity.id}/attendance", json=backwards, headers=auth(world.staff))
    assert r.status_code == 422
    way_off = {"user_id": str(world.resident.id), "checked_in_at": (start - timedelta(hours=3)).isoformat()}
    r = await client.post(f"{A}/{activity.id}/attendance", json=way_off, headers=auth(world.staff))
    assert r.json()["code"] == "outside_window"
    assert (
        await client.post(f"{A}/{activity.id}/attendance", json=body, headers=auth(world.resident))
    ).status_code == 403
    stranger = await make_user(db, community=world.other_community)
    await db.flush()
    r = await client.post(
        f"{A}/{activity.id}/attendance",
        json={"user_id": str(stranger.id), "checked_in_at": start.isoformat()},
        headers=auth(world.staff),
    )
    assert r.status_code == 403
