"""What residents and staff do with the ledger over HTTP: wallet, statement, grants, donations.

Rules chosen where the issue is silent:
- donations go to an active resident of the sender's own community (anyone else is "not found");
- a resident donates at most DAILY_DONATION_LIMIT per asset per Shanghai calendar day (500 points,
  600 minutes), checked under the sender's account lock so parallel requests cannot overshoot it;
- grants come from the community's issuance account; staff grant only to residents of their
  communities; every grant is in the audit log with its reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_name
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.ledger.errors import (
    DonationLimitExceeded,
    DonationsDisabled,
    DonationToSelf,
    NoCommunity,
    RecipientNotFound,
    SelfGrant,
)
from app.ledger.schemas import DonationIn, GrantIn
from app.models.identity import OrgUnit, User
from app.models.ledger import Account, AccountKind, Asset, Transfer, TransferKind
from app.models.merchants import Merchant
from app.platform import audit

DAILY_DONATION_LIMIT: dict[Asset, int] = {Asset.points: 500, Asset.hours: 600}

SYSTEM_LABELS = {"issuance": "社区发放", "subsidy": "社区互助补贴", "settlement": "社区结算"}


async def wallet(db: AsyncSession, who: Principal) -> dict[str, int]:
    """Balances of the caller's two wallets (zero before their first movement)."""
    rows = (
        await db.execute(
            select(Account.asset, Account.balance, Account.reserved).where(Account.user_id == who.id)
        )
    ).all()
    by_asset = {r.asset: (int(r.balance), int(r.reserved)) for r in rows}
    points, points_reserved = by_asset.get(Asset.points, (0, 0))
    minutes, minutes_reserved = by_asset.get(Asset.hours, (0, 0))
    return {
        "points": points,
        "hours_minutes": minutes,
        "points_available": points - points_reserved,
        "hours_minutes_available": minutes - minutes_reserved,
    }


@dataclass
class Entry:
    id: uuid.UUID
    asset: Asset
    amount: int
    kind: TransferKind
    balance_after: int
    created_at: datetime
    reference: str | None
    memo: str | None
    counterparty: str


def _label(kind: AccountKind, user_name: str | None, merchant_name: str | None, purpose: str | None) -> str:
    if kind is AccountKind.user:
        return mask_name(user_name) or "居民"
    if kind is AccountKind.merchant:
        return merchant_name or "商户"
    return SYSTEM_LABELS.get(purpose or "", "社区")


async def entries(db: AsyncSession, who: Principal, asset: Asset | None, params: PageParams) -> Page[Any]:
    """The caller's statement, newest first: signed amounts, counterparty and balance after each."""
    position = params.after(datetime, uuid.UUID)
    mine = select(Account.id).where(Account.user_id == who.id)
    if asset is not None:
        mine = mine.where(Account.asset == asset)
    my_ids = list((await db.execute(mine)).scalars())
    if not my_ids:
        return Page[Any](items=[], next_cursor=None)
    other = aliased(Account)
    other_user = aliased(User)
    # The counterparty is the side that is not mine.
    query = (
        select(Transfer, other.kind, other.purpose, other_user.name, Merchant.name)
        .join(
            other,
            or_(
                and_(Transfer.credit_account_id.in_(my_ids), other.id == Transfer.debit_account_id),
                and_(Transfer.debit_account_id.in_(my_ids), other.id == Transfer.credit_account_id),
            ),
        )
        .outerjoin(other_user, other_user.id == other.user_id)
        .outerjoin(Merchant, Merchant.id == other.merchant_id)
    )
    if position is not None:
        at, last_id = position
        query = query.where(
            or_(Transfer.created_at < at, and_(Transfer.created_at == at, Transfer.id < last_id))
        )
    rows = (
        await db.execute(
            query.order_by(Transfer.created_at.desc(), Transfer.id.desc()).limit(params.limit + 1)
        )
    ).all()
    my_set = set(my_ids)
    items = []
    for t, kind, purpose, user_name, merchant_name in rows:
        incoming_row = t.credit_account_id in my_set
        items.append(
            Entry(
                id=t.id,
                asset=t.asset,
                amount=t.amount if incoming_row else -t.amount,
                kind=t.kind,
                balance_after=t.credit_balance_after if incoming_row else t.debit_balance_after,
                created_at=t.created_at,
                reference=t.reference,
                memo=t.memo,
                counterparty=_label(kind, user_name, merchant_name, purpose),
            )
        )
    return page_of(items, params, lambda e: [e.created_at.isoformat(), str(e.id)])


async def grant(db: AsyncSession, who: Principal, body: GrantIn) -> Transfer:
    """Staff issue points or hours to a resident of their community (发放), with a reason; audited."""
    user = await db.get(User, body.user_id)
    if user is None or not who.is_staff_of(user.community_id):
        raise RecipientNotFound()
    if user.id == who.id:
        # Nobody issues value to themselves; another staff member grants it (issue #18).
        raise SelfGrant()
    assert user.community_id is not None
    issuance = await ledger.system_account(db, user.community_id, "issuance", body.asset)
    row = await ledger.move(
        db,
        debit=issuance,
        credit=ledger.Wallet(user.id, body.asset, user.community_id),
        amount=body.amount,
        kind=TransferKind.grant,
        reference=f"grant:{user.id}",
        actor_id=who.id,
        memo=body.reason,
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="ledger.grant",
        target_type="user",
        target_id=user.id,
        community_id=user.community_id,
        asset=body.asset.value,
        amount=body.amount,
        reason=body.reason,
        transfer_id=str(row.id),
    )
    return row


async def donate(db: AsyncSession, who: Principal, body: DonationIn) -> Transfer:
    """A resident gives points or hours to another resident of the same community (转赠)."""
    if who.community_id is None:
        raise NoCommunity()
    if body.to_user_id == who.id:
        raise DonationToSelf()
    recipient = await db.get(User, body.to_user_id)
    if recipient is None or not recipient.is_active or recipient.community_id != who.community_id:
        raise RecipientNotFound()
    community = await db.get(OrgUnit, who.community_id)
    if community is None or not community.donations_enabled:
        raise DonationsDisabled()
    sender = ledger.Wallet(who.id, body.asset, who.community_id)
    receiver = ledger.Wallet(recipient.id, body.asset, recipient.community_id)
    # Lock both wallets (in id order, as the move will), then count today's donations under that lock.
    locked, wallets = await _lock_wallets(db, sender, receiver)
    if not locked:
        # A first donation (to or from someone): the missing wallet is made while no lock is held, so
        # the locks below are still taken in id order (see app/ledger/moves.py).
        for wallet in (sender, receiver):
            if wallet.user_id not in wallets:
                await ledger.user_account(db, wallet.user_id, wallet.asset, community_id=wallet.community_id)
        locked, wallets = await _lock_wallets(db, sender, receiver)
    assert locked
    given_today = await _donated_since(db, wallets[sender.user_id], clock.local_midnight(clock.today()))
    limit = DAILY_DONATION_LIMIT[body.asset]
    if given_today + body.amount > limit:
        raise DonationLimitExceeded(limit=limit, given_today=given_today)
    return await ledger.move(
        db,
        debit=sender,
        credit=receiver,
        amount=body.amount,
        kind=TransferKind.donation,
        reference=f"donation:{recipient.id}",
        actor_id=who.id,
        memo=body.memo,
    )


# Both wallets locked in id order, only when both exist (nothing is locked otherwise).
_LOCK_WALLETS = text("""
WITH found AS (
    SELECT id, user_id FROM ledger_accounts
    WHERE asset = CAST(:asset AS ledger_asset) AND user_id IN (CAST(:sender AS uuid), CAST(:receiver AS uuid))
), locked AS (
    SELECT a.id, a.user_id FROM ledger_accounts a
    WHERE a.id IN (SELECT id FROM found) AND (SELECT count(*) FROM found) = 2
    ORDER BY a.id
    FOR UPDATE
)
SELECT id, user_id, true AS locked FROM locked
UNION ALL
SELECT id, user_id, false FROM found WHERE NOT EXISTS (SELECT 1 FROM locked)
""")

# A separate statement after the lock: its snapshot sees every donation committed before the lock.
_DONATED_SINCE = text("""
SELECT coalesce(sum(amount), 0) FROM ledger_transfers
WHERE debit_account_id = CAST(:account AS uuid) AND kind = 'donation' AND created_at >= CAST(:since AS timestamptz)
""")


async def _lock_wallets(
    db: AsyncSession, sender: ledger.Wallet, receiver: ledger.Wallet
) -> tuple[bool, dict[uuid.UUID, uuid.UUID]]:
    """Whether both wallets are now locked, and owner → wallet id of those that exist."""
    conn = await db.connection()
    rows = (
        await conn.execute(
            _LOCK_WALLETS,
            {"asset": sender.asset.value, "sender": sender.user_id, "receiver": receiver.user_id},
        )
    ).all()
    return bool(rows) and bool(rows[0].locked), {
        uuid.UUID(str(r.user_id)): uuid.UUID(str(r.id)) for r in rows
    }


async def _donated_since(db: AsyncSession, account_id: uuid.UUID, since: datetime) -> int:
    conn = await db.connection()
    given = await conn.scalar(_DONATED_SINCE, {"account": account_id, "since": since})
    return int(given or 0)
