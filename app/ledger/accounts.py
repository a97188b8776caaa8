"""Ledger accounts: one wallet per (user, asset), one points account per merchant, system accounts per
community. Created on first use. Callers say which community an owner belongs to (`community_id`), as
they already know it, so the ledger does not read the users or merchants tables on their behalf
(issue #11/#17). Leaving `community_id` out is kept for tests and branches written before: then, and only
then, the owner's row is read (`tests/ledger/test_callers.py` keeps every caller in app/ passing it).
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.ledger import Account, AccountKind, Asset
from app.models.merchants import Merchant

SYSTEM_PURPOSES = ("issuance", "subsidy", "settlement")


class _Owner(enum.Enum):
    """`community_id` not given: read the owner's (old callers only)."""

    READ = "read"


OWNERS_COMMUNITY = _Owner.READ


async def _get_or_create(db: AsyncSession, values: dict[str, Any], *where: Any) -> Account:
    """Race-safe get-or-create: INSERT … ON CONFLICT DO NOTHING, then SELECT."""
    found = (await db.execute(select(Account).where(*where))).scalar_one_or_none()
    if found is not None:
        return found
    await db.execute(
        insert(Account)
        .values(id=uuid.uuid4(), balance=0, reserved=0, created_at=clock.now(), **values)
        .on_conflict_do_nothing()
    )
    return (await db.execute(select(Account).where(*where))).scalar_one()


async def user_account(
    db: AsyncSession,
    user_id: uuid.UUID,
    asset: Asset,
    *,
    community_id: uuid.UUID | _Owner | None = OWNERS_COMMUNITY,
) -> Account:
    """The user's wallet for `asset`, created on first use in `community_id` (the user's community).

    A wallet that is empty follows its owner to a new community; one that holds value stays where the
    value was issued (a transfer from it to the new community is then `cross_community`).
    """
    asset = Asset(asset)
    if community_id is OWNERS_COMMUNITY:
        community_id = (await db.execute(select(User.community_id).where(User.id == user_id))).scalar_one()
    assert not isinstance(community_id, _Owner)
    account = await _get_or_create(
        db,
        {"kind": AccountKind.user, "asset": asset, "user_id": user_id, "community_id": community_id},
        Account.user_id == user_id,
        Account.asset == asset,
    )
    if community_id is not None and account.community_id != community_id:
        # The resident moved: an empty wallet follows them (it holds no value of the old community).
        moved = await db.execute(
            update(Account)
            .where(Account.id == account.id, Account.balance == 0, Account.reserved == 0)
            .values(community_id=community_id)
            .returning(Account.id)
        )
        if moved.scalar_one_or_none() is not None:
            account.community_id = community_id
    return account


async def merchant_account(
    db: AsyncSession, merchant_id: uuid.UUID, *, community_id: uuid.UUID | _Owner = OWNERS_COMMUNITY
) -> Account:
    """The merchant's points account (created on first use, in the merchant's community)."""
    if community_id is OWNERS_COMMUNITY:
        community_id = (
            await db.execute(select(Merchant.community_id).where(Merchant.id == merchant_id))
        ).scalar_one()
    return await _get_or_create(
        db,
        {
            "kind": AccountKind.merchant,
            "asset": Asset.points,
            "merchant_id": merchant_id,
            "community_id": community_id,
        },
        Account.merchant_id == merchant_id,
        Account.asset == Asset.points,
    )


async def system_account(db: AsyncSession, community_id: uuid.UUID, purpose: str, asset: Asset) -> Account:
    """A community's system account: "issuance" (grants, rewards), "subsidy" or "settlement"."""
    if purpose not in SYSTEM_PURPOSES:
        raise ValueError(f"unknown system account purpose {purpose!r}")
    asset = Asset(asset)
    return await _get_or_create(
        db,
        {"kind": AccountKind.system, "asset": asset, "community_id": community_id, "purpose": purpose},
        Account.community_id == community_id,
        Account.purpose == purpose,
        Account.asset == asset,
    )


async def available(db: AsyncSession, account: Account) -> int:
    """What the account can spend now: its balance less what its pending holds reserve."""
    row = (await db.execute(select(Account.balance, Account.reserved).where(Account.id == account.id))).one()
    return int(row.balance - row.reserved)


async def lock_accounts(db: AsyncSession, *account_ids: uuid.UUID) -> dict[uuid.UUID, Account]:
    """Lock the rows in id order (every writer does the same, so no deadlocks) and refresh them."""
    rows = (
        await db.execute(
            select(Account)
            .where(Account.id.in_(sorted(set(account_ids))))
            .order_by(Account.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return {a.id: a for a in rows}
