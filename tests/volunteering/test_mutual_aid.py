"""Mutual aid (互助) through HTTP: post, take, complete (requester or subsidy pays), cancel, dispute."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.ledger import Asset
from app.models.notifications import Notification
from tests.support.factories import World, auth, make_user
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance

M = "/api/v1/mutual-aid"


def _ask(minutes: int = 60) -> dict[str, object]:
    return {
        "title": "帮忙买菜",
        "description": "腿脚不便，想请邻居帮忙买菜",
        "minutes": minutes,
        "when_at": (clock.now() + timedelta(days=1)).isoformat(),
    }


async def _posted(client: httpx.AsyncClient, requester: object, minutes: int = 60) -> str:
    r = await client.post(M, json=_ask(minutes), headers=auth(requester))  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_minutes_move_from_requester_to_helper(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    young = await make_user(db, community=world.community, birth_date=date(1990, 1, 1))
    await fund(db, young, 100, Asset.hours)
    await db.flush()
    help_id = await _posted(client, young)
    listed = (await client.get(M, headers=auth(world.neighbour))).json()["items"]
    assert [h["id"] for h in listed] == [help_id]
    taken = await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "taken"
    again = await client.post(f"{M}/{help_id}/take", headers=auth(world.resident))
    assert again.status_code == 404  # no longer open, and not theirs
    done = await client.post(f"{M}/{help_id}/complete", headers=auth(young))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["paid_by"] == "requester"
    assert await wallet_balance(db, young, Asset.hours) == 40
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 60
    twice = await client.post(f"{M}/{help_id}/complete", headers=auth(young))
    assert twice.status_code == 409
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 60
    notes = (await db.execute(select(Notification.user_id, Notification.kind))).all()
    assert (young.id, "mutual_aid.taken") in notes
    assert (world.neighbour.id, "volunteer.hours_credited") in notes
    await assert_ledger_ok(db)


async def test_eligible_elder_who_cannot_pay_is_covered_by_the_subsidy(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    help_id = await _posted(client, world.resident)  # 张阿姨, born 1950: 60+
    await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    done = await client.post(f"{M}/{help_id}/complete", headers=auth(world.resident))
    assert done.status_code == 200, done.text
    assert done.json()["paid_by"] == "subsidy"
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 60
    assert await wallet_balance(db, world.resident, Asset.hours) == 0
    await assert_ledger_ok(db)


async def test_staff_flagged_resident_is_eligible_too(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    flagged = await make_user(
        db, community=world.community, subsidy_eligible=True, birth_date=date(1990, 1, 1)
    )
    await db.flush()
    help_id = await _posted(client, flagged, 30)
    await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    done = await client.post(f"{M}/{help_id}/complete", headers=auth(flagged))
    assert done.json()["paid_by"] == "subsidy"


async def test_ineligible_requester_who_cannot_pay_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    help_id = await _posted(client, world.neighbour)  # no birth date, not flagged, no minutes
    await client.post(f"{M}/{help_id}/take", headers=auth(world.resident))
    r = await client.post(f"{M}/{help_id}/complete", headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"
    status = (await client.get(f"{M}/{help_id}", headers=auth(world.neighbour))).json()["status"]
    assert status == "taken"


async def test_only_the_requester_completes_and_nobody_takes_their_own(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    help_id = await _posted(client, world.resident)
    own = await client.post(f"{M}/{help_id}/take", headers=auth(world.resident))
    assert own.status_code == 409
    assert own.json()["code"] == "cannot_take_own"
    early = await client.post(f"{M}/{help_id}/complete", headers=auth(world.resident))
    assert early.json()["code"] == "invalid_transition"
    await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    helper = await client.post(f"{M}/{help_id}/complete", headers=auth(world.neighbour))
    assert helper.status_code == 403
    other = await client.post(f"{M}/{help_id}/take", headers=auth(world.other_resident))
    assert other.status_code == 404


async def test_cancel_only_before_it_is_taken(client: httpx.AsyncClient, world: World) -> None:
    first = await _posted(client, world.resident)
    r = await client.post(f"{M}/{first}/cancel", headers=auth(world.resident))
    assert r.json()["status"] == "cancelled"
    second = await _posted(client, world.resident)
    assert (await client.post(f"{M}/{second}/cancel", headers=auth(world.neighbour))).status_code == 403
    await client.post(f"{M}/{second}/take", headers=auth(world.neighbour))
    late = await client.post(f"{M}/{second}/cancel", headers=auth(world.resident))
    assert late.status_code == 409
    assert late.json()["code"] == "invalid_transition"


async def test_dispute_is_flagged_to_community_staff(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    help_id = await _posted(client, world.resident)
    early = await client.post(
        f"{M}/{help_id}/dispute", json={"reason": "没人来"}, headers=auth(world.resident)
    )
    assert early.status_code == 409
    await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    r = await client.post(
        f"{M}/{help_id}/dispute", json={"reason": "约好的时间没来"}, headers=auth(world.resident)
    )
    assert r.status_code == 200, r.text
    assert r.json()["disputed"] is True
    note = (
        await db.execute(select(Notification).where(Notification.kind == "mutual_aid.disputed"))
    ).scalar_one()
    assert note.user_id == world.staff.id
    staff_view = (await client.get(M, params={"disputed": "true"}, headers=auth(world.staff))).json()["items"]
    assert [h["id"] for h in staff_view] == [help_id]
    outsider = await client.post(f"{M}/{help_id}/dispute", json={"reason": "x"}, headers=auth(world.staff))
    assert outsider.status_code == 403


async def test_bad_requests_are_refused(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    assert (await client.post(M, json=_ask(0), headers=auth(world.resident))).status_code == 422
    assert (await client.post(M, json=_ask(-5), headers=auth(world.resident))).status_code == 422
    drifter = await make_user(db)
    await db.flush()
    r = await client.post(M, json=_ask(), headers=auth(drifter))
    assert r.json()["code"] == "no_community"
    help_id = await _posted(client, world.resident)
    await client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
    assert (await client.get(f"{M}/{help_id}", headers=auth(world.other_resident))).status_code == 404
    mine = (await client.get(M, params={"mine": "true"}, headers=auth(world.neighbour))).json()["items"]
    assert [h["id"] for h in mine] == [help_id]
