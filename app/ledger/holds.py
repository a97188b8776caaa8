"""Holds (预扣): funds reserved on the debit account until posted, voided or expired."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import ValidationFailed, _
from app.ledger.accounts import lock_accounts
from app.ledger.errors import HoldExpired, HoldNotFound, HoldNotPending
from app.ledger.moves import move_once
from app.ledger.rules import (
    check_amount,
    check_community,
    check_funds,
    check_pair,
    content_hash,
    hold_by_key,
    refusal,
)
from app.models.ledger import Account, PendingStatus, PendingTransfer, Transfer, TransferKind


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
    check_amount(amount)
    check_pair(debit, credit)
    if expires_at.tzinfo is None:
        raise ValidationFailed(_("过期时间必须带时区", "expires_at must be timezone-aware"))
    kind = TransferKind(kind)
    request_hash = (
        content_hash("hold", debit.id, credit.id, amount, kind, reference) if idempotency_key else None
    )
    locked = (await lock_accounts(db, debit.id))[debit.id]
    if idempotency_key is not None:
        assert request_hash is not None
        existing = await hold_by_key(db, idempotency_key, request_hash)
        if existing is not None:
            return existing
    check_community(locked, credit)
    check_funds(locked, amount)
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
            existing = await hold_by_key(db, idempotency_key, request_hash)
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
    outcome = await move_once(
        db,
        debit=pending.debit_account_id,
        credit=pending.credit_account_id,
        asset=pending.asset,
        amount=pending.amount,
        kind=pending.kind,
        reference=pending.reference,
        memo=None,
        actor_id=actor_id,
        now=clock.now(),
        pending_id=pending.id,
        released=pending.amount,
    )
    if outcome.transfer is None:
        raise refusal(outcome, pending.amount, pending.amount)
    row = outcome.transfer
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
