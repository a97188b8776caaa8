"""The ledger's rules, checked in Python before (and explained after) a movement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import _
from app.core.security import sha256_hex
from app.ledger.errors import (
    AssetMismatch,
    CrossCommunity,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    SameAccount,
)
from app.ledger.moves import Outcome
from app.models.ledger import Account, AccountKind, PendingTransfer, Transfer


def check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount()


def check_pair(debit: Account, credit: Account) -> None:
    if debit.asset != credit.asset:
        raise AssetMismatch()
    if debit.id == credit.id:
        raise SameAccount()


def check_community(debit: Account, credit: Account) -> None:
    if debit.community_id != credit.community_id:
        raise CrossCommunity()


def check_funds(account: Account, amount: int, released: int = 0) -> None:
    if account.kind is AccountKind.system:
        return
    spendable = account.balance - account.reserved + released
    if spendable < amount:
        raise InsufficientBalance(
            _(f"余额不足：可用 {spendable}，需要 {amount}", f"Insufficient balance: {spendable} < {amount}"),
            available=spendable,
            needed=amount,
        )


def content_hash(*parts: object) -> str:
    return sha256_hex("|".join("" if p is None else str(p) for p in parts))


async def transfer_by_key(db: AsyncSession, key: str, request_hash: str) -> Transfer | None:
    found = (await db.execute(select(Transfer).where(Transfer.idempotency_key == key))).scalar_one_or_none()
    if found is not None and found.request_hash != request_hash:
        raise IdempotencyConflict()
    return found


async def hold_by_key(db: AsyncSession, key: str, request_hash: str) -> PendingTransfer | None:
    found = (
        await db.execute(select(PendingTransfer).where(PendingTransfer.idempotency_key == key))
    ).scalar_one_or_none()
    if found is not None and found.request_hash != request_hash:
        raise IdempotencyConflict()
    return found


def refusal(outcome: Outcome, amount: int, released: int) -> Exception:
    """Why the one-statement move moved nothing (its checks, in the order the ORM path makes them)."""
    debit, credit = outcome.debit, outcome.credit
    if debit is None or credit is None:
        return LookupError("ledger account not found")
    if debit.community_id != credit.community_id:
        return CrossCommunity()
    spendable = debit.balance - debit.reserved + released
    return InsufficientBalance(
        _(f"余额不足：可用 {spendable}，需要 {amount}", f"Insufficient balance: {spendable} < {amount}"),
        available=spendable,
        needed=amount,
    )
