"""The ledger's internal API: transfers, reversals, holds and the rules they keep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger import service as ledger
from app.ledger.errors import (
    AssetMismatch,
    CrossCommunity,
    HoldExpired,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    ReversalExceedsOriginal,
    SameAccount,
)
from app.models.ledger import Account, Asset, PendingStatus, Transfer, TransferKind
from tests.support.factories import World, make_user
from tests.support.ledger import assert_ledger_ok, balance, fund


async def test_transfer_moves_balances_and_records_balance_after(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 100)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    t = await ledger.transfer(db, debit=a, credit=b, amount=30, kind=TransferKind.donation, reference="r1")
    assert (await balance(db, a.id), await balance(db, b.id)) == (70, 30)
    assert (t.debit_balance_after, t.credit_balance_after) == (70, 30)
    assert t.asset is Asset.points
    assert await ledger.available(db, a) == 70
    await assert_ledger_ok(db)


async def test_overdraft_is_insufficient_balance_and_changes_nothing(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 10)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    with pytest.raises(InsufficientBalance) as err:
        await ledger.transfer(db, debit=a, credit=b, amount=11, kind=TransferKind.donation)
    assert err.value.status == 409
    assert err.value.code == "insufficient_balance"
    assert (await balance(db, a.id), await balance(db, b.id)) == (10, 0)


async def test_system_accounts_may_go_negative(db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 50)
    issuance = await ledger.system_account(db, world.community.id, "issuance", Asset.points)
    assert await balance(db, issuance.id) == -50


@pytest.mark.parametrize("amount", [0, -5])
async def test_zero_or_negative_amounts_are_refused(db: AsyncSession, world: World, amount: int) -> None:
    a = await fund(db, world.resident, 10)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    with pytest.raises(InvalidAmount):
        await ledger.transfer(db, debit=a, credit=b, amount=amount, kind=TransferKind.donation)


async def test_assets_do_not_mix_and_an_account_cannot_pay_itself(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 10)
    hours = await ledger.user_account(db, world.neighbour.id, Asset.hours)
    with pytest.raises(AssetMismatch):
        await ledger.transfer(db, debit=a, credit=hours, amount=1, kind=TransferKind.donation)
    with pytest.raises(SameAccount):
        await ledger.transfer(db, debit=a, credit=a, amount=1, kind=TransferKind.donation)


async def test_value_does_not_cross_communities(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 10)
    other = await ledger.user_account(db, world.other_resident.id, Asset.points)
    with pytest.raises(CrossCommunity):
        await ledger.transfer(db, debit=a, credit=other, amount=1, kind=TransferKind.donation)


async def test_idempotency_key_returns_the_first_transfer_and_refuses_other_content(
    db: AsyncSession, world: World
) -> None:
    a = await fund(db, world.resident, 100)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    first = await ledger.transfer(
        db, debit=a, credit=b, amount=5, kind=TransferKind.donation, idempotency_key="k1"
    )
    again = await ledger.transfer(
        db, debit=a, credit=b, amount=5, kind=TransferKind.donation, idempotency_key="k1"
    )
    assert again.id == first.id
    assert await balance(db, a.id) == 95
    with pytest.raises(IdempotencyConflict) as err:
        await ledger.transfer(
            db, debit=a, credit=b, amount=6, kind=TransferKind.donation, idempotency_key="k1"
        )
    assert err.value.status == 422


async def test_reversal_moves_back_and_never_exceeds_the_original(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 100)
    m = await ledger.merchant_account(db, world.merchant.id)
    t = await ledger.transfer(db, debit=a, credit=m, amount=40, kind=TransferKind.redemption)
    part = await ledger.reverse(db, t.id, amount=15, kind=TransferKind.refund)
    assert part.kind is TransferKind.refund
    assert part.reverses_id == t.id
    assert (await balance(db, a.id), await balance(db, m.id)) == (75, 25)
    with pytest.raises(ReversalExceedsOriginal):
        await ledger.reverse(db, t.id, amount=26)
    rest = await ledger.reverse(db, t.id)
    assert rest.amount == 25
    with pytest.raises(ReversalExceedsOriginal):
        await ledger.reverse(db, t.id)
    assert (await balance(db, a.id), await balance(db, m.id)) == (100, 0)
    await assert_ledger_ok(db)


async def test_reversal_with_key_replays(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 100)
    m = await ledger.merchant_account(db, world.merchant.id)
    t = await ledger.transfer(db, debit=a, credit=m, amount=40, kind=TransferKind.redemption)
    r1 = await ledger.reverse(db, t.id, idempotency_key="refund-1")
    r2 = await ledger.reverse(db, t.id, idempotency_key="refund-1")
    assert r1.id == r2.id
    assert await balance(db, a.id) == 100


async def test_reversal_of_spent_funds_is_insufficient_balance(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 10)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    t = await ledger.transfer(db, debit=a, credit=b, amount=10, kind=TransferKind.donation)
    c = await ledger.user_account(db, world.staff.id, Asset.points)
    await ledger.transfer(db, debit=b, credit=c, amount=10, kind=TransferKind.donation)
    with pytest.raises(InsufficientBalance):
        await ledger.reverse(db, t.id)


async def test_hold_reserves_then_post_moves_once(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 50)
    settle = await ledger.system_account(db, world.community.id, "settlement", Asset.points)
    h = await ledger.hold(
        db,
        debit=a,
        credit=settle,
        amount=20,
        reference="booking:1",
        expires_at=clock.now() + timedelta(hours=1),
    )
    assert await ledger.available(db, a) == 30
    assert await balance(db, a.id) == 50
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    with pytest.raises(InsufficientBalance):
        await ledger.transfer(db, debit=a, credit=b, amount=31, kind=TransferKind.donation)
    await assert_ledger_ok(db)
    t = await ledger.post_pending(db, h.id)
    assert t.amount == 20
    assert t.pending_id == h.id
    assert (await ledger.post_pending(db, h.id)).id == t.id
    assert await balance(db, a.id) == 30
    assert await ledger.available(db, a) == 30
    with pytest.raises(HoldNotPending):
        await ledger.void_pending(db, h.id)
    await assert_ledger_ok(db)


async def test_void_releases_and_is_repeatable(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 50)
    settle = await ledger.system_account(db, world.community.id, "settlement", Asset.points)
    h = await ledger.hold(db, debit=a, credit=settle, amount=50, expires_at=clock.now() + timedelta(hours=1))
    assert await ledger.available(db, a) == 0
    await ledger.void_pending(db, h.id)
    await ledger.void_pending(db, h.id)
    assert await ledger.available(db, a) == 50
    with pytest.raises(HoldNotPending):
        await ledger.post_pending(db, h.id)
    await assert_ledger_ok(db)


async def test_hold_beyond_available_is_refused(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 5)
    settle = await ledger.system_account(db, world.community.id, "settlement", Asset.points)
    with pytest.raises(InsufficientBalance):
        await ledger.hold(db, debit=a, credit=settle, amount=6, expires_at=clock.now() + timedelta(hours=1))


async def test_expired_holds_are_released_and_cannot_post(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 50)
    settle = await ledger.system_account(db, world.community.id, "settlement", Asset.points)
    start = clock.now()
    clock.freeze(start)
    h = await ledger.hold(db, debit=a, credit=settle, amount=20, expires_at=start + timedelta(minutes=10))
    assert await ledger.expire_holds(db, start + timedelta(minutes=5)) == 0
    clock.advance(timedelta(minutes=11))
    with pytest.raises(HoldExpired):
        await ledger.post_pending(db, h.id)
    assert await ledger.expire_holds(db, clock.now()) == 1
    assert await ledger.expire_holds(db, clock.now()) == 0
    await db.refresh(h)
    assert h.status is PendingStatus.expired
    assert await ledger.available(db, a) == 50
    await assert_ledger_ok(db)


async def test_accounts_are_created_once(db: AsyncSession, world: World) -> None:
    one = await ledger.user_account(db, world.resident.id, Asset.hours)
    two = await ledger.user_account(db, world.resident.id, Asset.hours)
    assert one.id == two.id
    m1 = await ledger.merchant_account(db, world.merchant.id)
    m2 = await ledger.merchant_account(db, world.merchant.id)
    assert m1.id == m2.id
    assert m1.community_id == world.community.id
    s1 = await ledger.system_account(db, world.community.id, "subsidy", Asset.hours)
    s2 = await ledger.system_account(db, world.community.id, "subsidy", Asset.hours)
    assert s1.id == s2.id
    with pytest.raises(ValueError, match="purpose"):
        await ledger.system_account(db, world.community.id, "slush", Asset.hours)


async def test_an_empty_wallet_follows_its_owner_to_a_new_community(db: AsyncSession, world: World) -> None:
    newcomer = await make_user(db)
    wallet = await ledger.user_account(db, newcomer.id, Asset.points)
    assert wallet.community_id is None
    newcomer.community_id = world.community.id
    await db.flush()
    wallet = await ledger.user_account(db, newcomer.id, Asset.points)
    assert wallet.community_id == world.community.id
    await fund(db, newcomer, 5)


async def test_the_database_refuses_a_negative_wallet(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 5)
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await db.execute(update(Account).where(Account.id == a.id).values(balance=-1))


async def test_the_database_refuses_a_zero_transfer(db: AsyncSession, world: World) -> None:
    a = await fund(db, world.resident, 5)
    b = await ledger.user_account(db, world.neighbour.id, Asset.points)
    t = (await db.execute(select(Transfer).where(Transfer.credit_account_id == a.id))).scalar_one()
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await db.execute(update(Transfer).where(Transfer.id == t.id).values(amount=0))
    assert b.balance == 0
