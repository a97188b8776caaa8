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

from sqlalchemy import and_, func, or_, select
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
    wallet_account = await ledger.user_account(db, user.id, body.asset)
    issuance = await ledger.system_account(db, user.community_id, "issuance", body.asset)
    row = await ledger.transfer(
        db,
        debit=issuance,
        credit=wallet_account,
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
    sender = await ledger.user_account(db, who.id, body.asset)
    receiver = await ledger.user_account(db, recipient.id, body.asset)
    # Lock both wallets (in id order, as the transfer will) before counting today's donations.
    await ledger.lock_accounts(db, sender.id, receiver.id)
    given_today = (
        await db.execute(
            select(func.coalesce(func.sum(Transfer.amount), 0)).where(
                Transfer.debit_account_id == sender.id,
                Transfer.kind == TransferKind.donation,
                Transfer.created_at >= clock.local_midnight(clock.today()),
            )
        )
    ).scalar_one()
    limit = DAILY_DONATION_LIMIT[body.asset]
    if int(given_today) + body.amount > limit:
        raise DonationLimitExceeded(limit=limit, given_today=int(given_today))
    return await ledger.transfer(
        db,
        debit=sender,
        credit=receiver,
        amount=body.amount,
        kind=TransferKind.donation,
        reference=f"donation:{recipient.id}",
        actor_id=who.id,
        memo=body.memo,
    )
