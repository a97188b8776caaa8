"""The ledger: the one internal API through which every domain moves hours and points.

Rules:
- two assets, `hours` (integer minutes) and `points`; amounts are positive integers;
- a transfer locks both account rows in id order, checks the debit side, moves the cached balances and
  writes one immutable row, all in the caller's transaction; user and merchant accounts never go below
  zero nor below what their holds reserve (CHECK constraints back this);
- value only moves inside one community (each asset sums to zero per community);
- an `idempotency_key` makes a movement happen once: a retry with the same content returns the first
  result, different content is `idempotency_key_reused` (422);
- mistakes are corrected by reversing transfers, never by edits.

Accounts are in `app.ledger.accounts`, the one-statement move in `app.ledger.moves`, holds in
`app.ledger.holds`, the checks in `app.ledger.rules`; this module is the API other domains call.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger.accounts import (
    SYSTEM_PURPOSES,
    available,
    lock_accounts,
    merchant_account,
    system_account,
    user_account,
)
from app.ledger.errors import (
    AssetMismatch,
    ReversalExceedsOriginal,
    SameAccount,
    TransferNotFound,
)
from app.ledger.holds import expire_holds, hold, post_pending, void_pending
from app.ledger.moves import Outcome, Side, Till, Wallet, move_once
from app.ledger.rules import (
    check_amount,
    check_community,
    check_funds,
    check_pair,
    content_hash,
    refusal,
    transfer_by_key,
)
from app.models.ledger import (
    Account,
    Asset,
    PendingTransfer,
    Transfer,
    TransferKind,
)

__all__ = [
    "SYSTEM_PURPOSES",
    "Account",
    "Asset",
    "PendingTransfer",
    "Till",
    "Transfer",
    "TransferKind",
    "Wallet",
    "available",
    "expire_holds",
    "hold",
    "lock_accounts",
    "merchant_account",
    "move",
    "post_pending",
    "reverse",
    "system_account",
    "transfer",
    "user_account",
    "void_pending",
]

# ------------------------------------------------------------------------------------------ movements


def _asset_of(side: Side) -> Asset:
    return Asset(side.asset)


def _needs_resolving(outcome: Outcome, debit: Side, credit: Side) -> bool:
    """An owner-named account is missing, or is not in the community the caller named."""
    for side, locked in ((debit, outcome.debit), (credit, outcome.credit)):
        if isinstance(side, Wallet | Till) and (locked is None or locked.community_id != side.community_id):
            return True
    return False


async def _resolve(db: AsyncSession, side: Side) -> Account:
    """The account an owner-named side means, created on first use (an empty wallet follows its owner)."""
    if isinstance(side, Wallet):
        return await user_account(db, side.user_id, side.asset, community_id=side.community_id)
    if isinstance(side, Till):
        return await merchant_account(db, side.merchant_id, community_id=side.community_id)
    return side


async def move(
    db: AsyncSession,
    *,
    debit: Side,
    credit: Side,
    amount: int,
    kind: TransferKind,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
    memo: str | None = None,
    transfer_id: uuid.UUID | None = None,
) -> Transfer:
    """Move `amount` now between accounts named by owner (`Wallet`, `Till`) or held (`Account`).

    One statement when both accounts exist in the communities named; otherwise they are created (or an
    empty wallet follows its owner) and the statement runs once more. `transfer_id` lets a caller write
    its own row referencing the transfer before the move (the merchant's lock is then held shortest).
    """
    check_amount(amount)
    asset = _asset_of(debit)
    if asset != _asset_of(credit):
        raise AssetMismatch()
    if isinstance(debit, Account) and isinstance(credit, Account):
        check_pair(debit, credit)
    elif isinstance(debit, Wallet) and isinstance(credit, Wallet) and debit.user_id == credit.user_id:
        raise SameAccount()
    kind = TransferKind(kind)
    common: dict[str, Any] = {
        "asset": asset,
        "amount": amount,
        "kind": kind,
        "reference": reference,
        "memo": memo,
        "actor_id": actor_id,
        "transfer_id": transfer_id,
    }
    outcome = await move_once(db, debit=debit, credit=credit, now=clock.now(), **common)
    if outcome.transfer is not None:
        return outcome.transfer
    if _needs_resolving(outcome, debit, credit):
        debit_account, credit_account = await _resolve(db, debit), await _resolve(db, credit)
        check_pair(debit_account, credit_account)
        outcome = await move_once(db, debit=debit_account, credit=credit_account, now=clock.now(), **common)
        if outcome.transfer is not None:
            return outcome.transfer
    raise refusal(outcome, amount, 0)


async def _move(
    db: AsyncSession,
    *,
    debit_id: uuid.UUID,
    credit_id: uuid.UUID,
    asset: Asset,
    amount: int,
    kind: TransferKind,
    reference: str | None,
    memo: str | None,
    idempotency_key: str | None,
    request_hash: str | None,
    actor_id: uuid.UUID | None,
    reverses_id: uuid.UUID | None = None,
    pending_id: uuid.UUID | None = None,
    released: int = 0,
) -> Transfer:
    if idempotency_key is None:
        # The common case: one statement (app/ledger/moves.py).
        outcome = await move_once(
            db,
            debit=debit_id,
            credit=credit_id,
            asset=asset,
            amount=amount,
            kind=TransferKind(kind),
            reference=reference,
            memo=memo,
            actor_id=actor_id,
            now=clock.now(),
            reverses_id=reverses_id,
            pending_id=pending_id,
            released=released,
        )
        if outcome.transfer is None:
            raise refusal(outcome, amount, released)
        return outcome.transfer
    # With an idempotency key: the ORM path, whose savepoint lets a duplicate key replay the first row.
    accounts = await lock_accounts(db, debit_id, credit_id)
    debit, credit = accounts[debit_id], accounts[credit_id]
    if idempotency_key is not None:
        # Checked under the account locks: a concurrent retry of the same movement waits for the first.
        assert request_hash is not None
        existing = await transfer_by_key(db, idempotency_key, request_hash)
        if existing is not None:
            return existing
    check_community(debit, credit)
    check_funds(debit, amount, released)
    row = Transfer(
        id=uuid.uuid4(),
        asset=debit.asset,
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount=amount,
        kind=TransferKind(kind),
        reference=reference,
        memo=memo,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        actor_id=actor_id,
        reverses_id=reverses_id,
        pending_id=pending_id,
        debit_balance_after=debit.balance - amount,
        credit_balance_after=credit.balance + amount,
        created_at=clock.now(),
    )
    if idempotency_key is not None:
        # Same key, other accounts, at the same time: the unique index decides; the loser replays or 422s.
        try:
            async with db.begin_nested():
                db.add(row)
                await db.flush([row])
        except IntegrityError:
            assert request_hash is not None
            existing = await transfer_by_key(db, idempotency_key, request_hash)
            if existing is None:
                raise
            return existing
    else:
        db.add(row)
    debit.balance -= amount
    debit.reserved -= released
    credit.balance += amount
    await db.flush()
    return row


async def transfer(
    db: AsyncSession,
    *,
    debit: Account,
    credit: Account,
    amount: int,
    kind: TransferKind,
    reference: str | None = None,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
    memo: str | None = None,
) -> Transfer:
    """Move `amount` from debit to credit now (409 insufficient_balance when a wallet cannot pay)."""
    check_amount(amount)
    check_pair(debit, credit)
    kind = TransferKind(kind)
    request_hash = (
        content_hash("transfer", debit.id, credit.id, amount, kind, reference) if idempotency_key else None
    )
    return await _move(
        db,
        debit_id=debit.id,
        credit_id=credit.id,
        asset=debit.asset,
        amount=amount,
        kind=kind,
        reference=reference,
        memo=memo,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        actor_id=actor_id,
    )


async def reversed_amount(db: AsyncSession, transfer_id: uuid.UUID) -> int:
    """How much of a transfer has been reversed so far."""
    total = (
        await db.execute(
            select(func.coalesce(func.sum(Transfer.amount), 0)).where(Transfer.reverses_id == transfer_id)
        )
    ).scalar_one()
    return int(total)


async def reverse(
    db: AsyncSession,
    transfer_id: uuid.UUID,
    *,
    amount: int | None = None,
    kind: TransferKind = TransferKind.reversal,
    reference: str | None = None,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
    memo: str | None = None,
) -> Transfer:
    """Move (part of) a transfer back; the total reversed never exceeds the original amount."""
    if amount is not None:
        check_amount(amount)
    kind = TransferKind(kind)
    request_hash = content_hash("reverse", transfer_id, amount, kind, reference) if idempotency_key else None
    if idempotency_key is not None:
        assert request_hash is not None
        existing = await transfer_by_key(db, idempotency_key, request_hash)
        if existing is not None:
            return existing
    # Locking the original serialises reversals of the same transfer (it is never modified).
    original = (
        await db.execute(select(Transfer).where(Transfer.id == transfer_id).with_for_update())
    ).scalar_one_or_none()
    if original is None:
        raise TransferNotFound()
    remaining = original.amount - await reversed_amount(db, transfer_id)
    if amount is None:
        amount = remaining
    if amount <= 0 or amount > remaining:
        raise ReversalExceedsOriginal(remaining=remaining)
    return await _move(
        db,
        debit_id=original.credit_account_id,
        credit_id=original.debit_account_id,
        asset=original.asset,
        amount=amount,
        kind=kind,
        reference=reference if reference is not None else original.reference,
        memo=memo,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        actor_id=actor_id,
        reverses_id=original.id,
    )
