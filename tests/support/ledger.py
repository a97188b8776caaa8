"""Ledger builders: fund a wallet from its community's issuance account, read balances, check invariants."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger import service as ledger
from app.ledger.check import check_invariants
from app.models.identity import User
from app.models.ledger import Account, Asset, TransferKind


async def fund(db: AsyncSession, user: User, amount: int, asset: Asset = Asset.points) -> Account:
    """Grant `amount` to the user's wallet from their community's issuance account."""
    assert user.community_id is not None
    wallet = await ledger.user_account(db, user.id, asset, community_id=user.community_id)
    issuance = await ledger.system_account(db, user.community_id, "issuance", asset)
    await ledger.transfer(db, debit=issuance, credit=wallet, amount=amount, kind=TransferKind.grant)
    return wallet


async def balance(db: AsyncSession, account_id: uuid.UUID) -> int:
    return int((await db.execute(select(Account.balance).where(Account.id == account_id))).scalar_one())


async def wallet_balance(db: AsyncSession, user: User, asset: Asset = Asset.points) -> int:
    return await balance(
        db, (await ledger.user_account(db, user.id, asset, community_id=user.community_id)).id
    )


async def assert_ledger_ok(db: AsyncSession) -> None:
    report = await check_invariants(db)
    assert report["ok"], report
