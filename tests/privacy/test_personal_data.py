"""Also build: personal-data requests (PIPL) — download what we hold, close the account."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import User
from app.models.ledger import Asset, Transfer, TransferKind
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from app.models.tickets import Ticket
from app.notifications.service import notify
from tests.support.factories import World, auth
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"


async def _resident_with_history(db: AsyncSession, world: World) -> Ticket:
    world.resident.phone = "13800138000"
    await fund(db, world.resident, 300)
    await fund(db, world.resident, 90, Asset.hours)
    category = await make_category(db, world.community)
    ticket = await make_ticket(db, category, world.resident, caller_name="张阿姨", caller_phone="13800138000")
    await notify(db, user_id=world.resident.id, kind="ticket.resolved", title="您的工单已办结")
    await db.flush()
    return ticket


async def test_a_resident_downloads_what_we_hold_about_them(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    ticket = await _resident_with_history(db, world)
    r = await client.get(f"{API}/me/data", headers=auth(world.resident))
    assert r.status_code == 200, r.text
    data = r.json()
    records = data["records"]
    assert records["users"][0]["phone"] == "13800138000"
    assert "password_hash" not in records["users"][0]
    assert "session_key" not in records["users"][0]
    assert [t["id"] for t in records["tickets"]] == [str(ticket.id)]
    assert len(records["ledger_accounts"]) == 2
    assert records["notifications"][0]["title"] == "您的工单已办结"
    # Nothing about other people: the neighbour's rows are not there.
    assert str(world.neighbour.id) not in json.dumps(records["users"])
    assert (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "privacy.data_exported"))
    ).scalar_one()
    assert (await client.get(f"{API}/me/data")).status_code == 401


async def test_closing_returns_the_wallet_erases_the_person_and_keeps_the_records(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    ticket = await _resident_with_history(db, world)
    resident_id = world.resident.id
    refused = await client.post(f"{API}/me/close", json={"confirm": "ok"}, headers=auth(world.resident))
    assert refused.status_code == 422
    assert refused.json()["code"] == "confirmation_required"

    r = await client.post(f"{API}/me/close", json={"confirm": "注销"}, headers=auth(world.resident))
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted((m["asset"], m["amount"]) for m in body["wallet"]) == [("hours", 90), ("points", 300)]
    assert body["erased"]["notifications"] == 1

    user = (
        await db.execute(select(User).where(User.id == resident_id).execution_options(populate_existing=True))
    ).scalar_one()
    assert user.name == "已注销用户"
    assert user.phone is None
    assert user.openid is None
    assert user.is_active is False
    assert user.closed_at is not None
    assert await wallet_balance(db, user) == 0
    assert await wallet_balance(db, user, Asset.hours) == 0
    kept = (
        await db.execute(
            select(Ticket).where(Ticket.id == ticket.id).execution_options(populate_existing=True)
        )
    ).scalar_one()
    assert kept.reporter_id == resident_id  # the record stays, pointing at 已注销用户
    assert kept.caller_phone is None
    assert kept.caller_name is None
    returned = (
        (await db.execute(select(Transfer).where(Transfer.reference == f"account_closed:{resident_id}")))
        .scalars()
        .all()
    )
    assert {t.kind for t in returned} == {TransferKind.donation}
    assert len(returned) == 2
    assert (await db.execute(select(Notification).where(Notification.user_id == resident_id))).first() is None
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "privacy.account_closed"))
    ).scalar_one()
    assert entry.actor_id == resident_id
    await assert_ledger_ok(db)

    # The old token no longer works; the same WeChat account signing in again is a new resident.
    assert (await client.get(f"{API}/me", headers=auth(world.resident))).status_code == 401
    first = await client.post(f"{API}/auth/wechat-login", json={"code": "closing-test"})
    assert first.status_code == 200, first.text
    again_id = first.json()["user"]["id"]
    assert again_id != str(resident_id)


async def test_staff_and_pending_holds_cannot_close_here(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    r = await client.post(f"{API}/me/close", json={"confirm": "注销"}, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "account_has_roles"
    wallet = await fund(db, world.neighbour, 50)
    wallet.reserved = 20  # points held for a booking
    await db.flush()
    r = await client.post(f"{API}/me/close", json={"confirm": "注销"}, headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "account_has_pending_holds"
