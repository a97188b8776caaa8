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
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import ValidationFailed, _
from app.core.security import sha256_hex
from app.ledger.errors import (
    AssetMismatch,
    CrossCommunity,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    ReversalExceedsOriginal,
    SameAccount,
    TransferNotFound,
)
from app.models.identity import User
from app.models.ledger import (
    Account,
    AccountKind,
    Asset,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferKind,
)
from app.models.merchants import Merchant

__all__ = [
    "SYSTEM_PURPOSES",
    "Account",
    "Asset",
    "PendingTransfer",
    "Transfer",
    "TransferKind",
    "available",
    "expire_holds",
    "hold",
    "lock_accounts",
    "merchant_account",
    "post_pending",
    "reverse",
    "system_account",
    "transfer",
    "user_account",
    "void_pending",
]

SYSTEM_PURPOSES = ("issuance", "subsidy", "settlement")


# ------------------------------------------------------------------------------------------ accounts


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


async def user_account(db: AsyncSession, user_id: uuid.UUID, asset: Asset) -> Account:
    """The user's wallet for `asset` (created on first use, in the user's community)."""
    asset = Asset(asset)
    # One round trip in the common case: the owner's community and the existing wallet together.
    found = (
        await db.execute(
            select(User.community_id, Account)
            .select_from(User)
            .outerjoin(Account, (Account.user_id == User.id) & (Account.asset == asset))
            .where(User.id == user_id)
        )
    ).one()
    community_id, account = found[0], found[1]
    if account is not None and account.community_id == community_id:
        return account
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


async def merchant_account(db: AsyncSession, merchant_id: uuid.UUID) -> Account:
    """The merchant's points account (created on first use)."""
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


# ------------------------------------------------------------------------------------------ checks


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount()


def _check_pair(debit: Account, credit: Account) -> None:
    if debit.asset != credit.asset:
        raise AssetMismatch()
    if debit.id == credit.id:
        raise SameAccount()


def _check_community(debit: Account, credit: Account) -> None:
    if debit.community_id != credit.community_id:
        raise CrossCommunity()


def _check_funds(account: Account, amount: int, released: int = 0) -> None:
    if account.kind is AccountKind.system:
        return
    spendable = account.balance - account.reserved + released
    if spendable < amount:
        raise InsufficientBalance(
            _(f"余额不足：可用 {spendable}，需要 {amount}", f"Insufficient balance: {spendable} < {amount}"),
            available=spendable,
            needed=amount,
        )


def _content_hash(*parts: object) -> str:
    return sha256_hex("|".join("" if p is None else str(p) for p in parts))


async def _transfer_by_key(db: AsyncSession, key: str, request_hash: str) -> Transfer | None:
    found = (await db.execute(select(Transfer).where(Transfer.idempotency_key == key))).scalar_one_or_none()
    if found is not None and found.request_hash != request_hash:
        raise IdempotencyConflict()
    return found


async def _hold_by_key(db: AsyncSession, key: str, request_hash: str) -> PendingTransfer | None:
    found = (
        await db.execute(select(PendingTransfer).where(PendingTransfer.idempotency_key == key))
    ).scalar_one_or_none()
    if found is not None and found.request_hash != request_hash:
        raise IdempotencyConflict()
    return found


# ------------------------------------------------------------------------------------------ movements


async def _move(
    db: AsyncSession,
    *,
    debit_id: uuid.UUID,
    credit_id: uuid.UUID,
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
    accounts = await lock_accounts(db, debit_id, credit_id)
    debit, credit = accounts[debit_id], accounts[credit_id]
    if idempotency_key is not None:
        # Checked under the account locks: a concurrent retry of the same movement waits for the first.
        assert request_hash is not None
        existing = await _transfer_by_key(db, idempotency_key, request_hash)
        if existing is not None:
            return existing
    _check_community(debit, credit)
    _check_funds(debit, amount, released)
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
            existing = await _transfer_by_key(db, idempotency_key, request_hash)
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
    _check_amount(amount)
    _check_pair(debit, credit)
    kind = TransferKind(kind)
    request_hash = (
        _content_hash("transfer", debit.id, credit.id, amount, kind, reference) if idempotency_key else None
    )
    return await _move(
        db,
        debit_id=debit.id,
        credit_id=credit.id,
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
        _check_amount(amount)
    kind = TransferKind(kind)
    request_hash = _content_hash("reverse", transfer_id, amount, kind, reference) if idempotency_key else None
    if idempotency_key is not None:
        assert request_hash is not None
        existing = await _transfer_by_key(db, idempotency_key, request_hash)
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
        amount=amount,
        kind=kind,
        reference=reference if reference is not None else original.reference,
        memo=memo,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        actor_id=actor_id,
        reverses_id=original.id,
    )


# ------------------------------------------------------------------------------------------ holds


async def hold(
    db: AsyncSession,
    *,
    debit: Account,
    credit: Account,
    amount: int,
    kind: TransferKind = TransferKind.booking_hold,
    reference: str | None = None,
    expires_at: datetime,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> PendingTransfer:
    """Reserve `amount` on debit for credit: available drops now; nothing moves until post_pending."""
    _check_amount(amount)
    _check_pair(debit, credit)
    if expires_at.tzinfo is None:
        raise ValidationFailed(_("过期时间必须带时区", "expires_at must be timezone-aware"))
    kind = TransferKind(kind)
    request_hash = (
        _content_hash("hold", debit.id, credit.id, amount, kind, reference) if idempotency_key else None
    )
    locked = (await lock_accounts(db, debit.id))[debit.id]
    if idempotency_key is not None:
        assert request_hash is not None
        existing = await _hold_by_key(db, idempotency_key, request_hash)
        if existing is not None:
            return existing
    _check_community(locked, credit)
    _check_funds(locked, amount)
    row = PendingTransfer(
        id=uuid.uuid4(),
        asset=locked.asset,
        debit_account_id=locked.id,
        credit_account_id=credit.id,
        amount=amount,
        kind=kind,
        reference=reference,
        status=PendingStatus.pending,
        expires_at=expires_at,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        actor_id=actor_id,
        created_at=clock.now(),
    )
    if idempotency_key is not None:
        try:
            async with db.begin_nested():
                db.add(row)
                await db.flush([row])
        except IntegrityError:
            assert request_hash is not None
            existing = await _hold_by_key(db, idempotency_key, request_hash)
            if existing is None:
                raise
            return existing
    else:
        db.add(row)
    locked.reserved += amount
    await db.flush()
    return row


async def _lock_pending(db: AsyncSession, pending_id: uuid.UUID) -> PendingTransfer:
    row = (
        await db.execute(
            select(PendingTransfer)
            .where(PendingTransfer.id == pending_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:
        raise HoldNotFound()
    return row


async def post_pending(
    db: AsyncSession, pending_id: uuid.UUID, *, actor_id: uuid.UUID | None = None
) -> Transfer:
    """Complete a hold: the reserved amount moves to the credit account (once; a repeat returns it)."""
    pending = await _lock_pending(db, pending_id)
    if pending.status is PendingStatus.posted:
        return (await db.execute(select(Transfer).where(Transfer.pending_id == pending.id))).scalar_one()
    if pending.status is not PendingStatus.pending:
        raise HoldNotPending(status=pending.status.value)
    if clock.now() >= pending.expires_at:
        raise HoldExpired()
    row = await _move(
        db,
        debit_id=pending.debit_account_id,
        credit_id=pending.credit_account_id,
        amount=pending.amount,
        kind=pending.kind,
        reference=pending.reference,
        memo=None,
        idempotency_key=None,
        request_hash=None,
        actor_id=actor_id,
        pending_id=pending.id,
        released=pending.amount,
    )
    pending.status = PendingStatus.posted
    pending.resolved_at = clock.now()
    await db.flush()
    return row


async def _release(db: AsyncSession, pending: PendingTransfer, status: PendingStatus) -> None:
    account = (await lock_accounts(db, pending.debit_account_id))[pending.debit_account_id]
    account.reserved -= pending.amount
    pending.status = status
    pending.resolved_at = clock.now()
    await db.flush()


async def void_pending(db: AsyncSession, pending_id: uuid.UUID, *, actor_id: uuid.UUID | None = None) -> None:
    """Cancel a hold: the reserved amount is available again (voiding twice is harmless)."""
    pending = await _lock_pending(db, pending_id)
    if pending.status in (PendingStatus.voided, PendingStatus.expired):
        return
    if pending.status is PendingStatus.posted:
        raise HoldNotPending(status=pending.status.value)
    await _release(db, pending, PendingStatus.voided)


async def expire_holds(db: AsyncSession, now: datetime) -> int:
    """Release every pending hold past its expiry; returns how many (safe to run concurrently)."""
    due = (
        (
            await db.execute(
                select(PendingTransfer)
                .where(PendingTransfer.status == PendingStatus.pending, PendingTransfer.expires_at <= now)
                .order_by(PendingTransfer.id)
                .limit(500)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    for pending in due:
        await _release(db, pending, PendingStatus.expired)
    return len(due)
