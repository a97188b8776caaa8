"""Property test: random grants, donations, holds, posts, voids and reversals keep the invariants.

A plain-Python model predicts each balance and reservation; after every step the database must agree
with it and `check_invariants` must be ok. Each example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger import service as ledger
from app.ledger.check import check_invariants
from app.ledger.errors import HoldNotPending, InsufficientBalance, ReversalExceedsOriginal
from app.models.ledger import Account, AccountKind, Asset, PendingTransfer, Transfer, TransferKind
from tests.support.factories import World

ASSETS = st.sampled_from([Asset.points, Asset.hours])
WHO = st.integers(0, 2)
AMOUNT = st.integers(1, 120)

OPS = st.one_of(
    st.tuples(st.just("grant"), WHO, ASSETS, AMOUNT),
    st.tuples(st.just("donate"), WHO, WHO, ASSETS, AMOUNT),
    st.tuples(st.just("hold"), WHO, ASSETS, AMOUNT),
    st.tuples(st.just("post"), st.integers(0, 20)),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 40), st.one_of(st.none(), AMOUNT)),
)


@dataclass
class Model:
    balance: dict[uuid.UUID, int] = field(default_factory=dict)
    reserved: dict[uuid.UUID, int] = field(default_factory=dict)
    system: set[uuid.UUID] = field(default_factory=set)
    transfers: list[Transfer] = field(default_factory=list)
    reversed: dict[uuid.UUID, int] = field(default_factory=dict)
    holds: list[PendingTransfer] = field(default_factory=list)

    def spendable(self, account_id: uuid.UUID) -> int | None:
        if account_id in self.system:
            return None
        return self.balance.get(account_id, 0) - self.reserved.get(account_id, 0)

    def move(self, debit: uuid.UUID, credit: uuid.UUID, amount: int) -> None:
        self.balance[debit] = self.balance.get(debit, 0) - amount
        self.balance[credit] = self.balance.get(credit, 0) + amount


async def _step(db: AsyncSession, world: World, m: Model, op: tuple[object, ...]) -> None:
    people = [world.resident, world.neighbour, world.staff]
    name = op[0]
    if name == "grant":
        _, who, asset, amount = op
        wallet = await ledger.user_account(db, people[who].id, asset)  # type: ignore[index,arg-type]
        issuance = await ledger.system_account(db, world.community.id, "issuance", asset)  # type: ignore[arg-type]
        m.system.add(issuance.id)
        t = await ledger.transfer(db, debit=issuance, credit=wallet, amount=amount, kind=TransferKind.grant)  # type: ignore[arg-type]
        m.move(issuance.id, wallet.id, amount)  # type: ignore[arg-type]
        m.transfers.append(t)
    elif name == "donate":
        _, a, b, asset, amount = op
        if a == b:
            return
        src = await ledger.user_account(db, people[a].id, asset)  # type: ignore[index,arg-type]
        dst = await ledger.user_account(db, people[b].id, asset)  # type: ignore[index,arg-type]
        can = m.spendable(src.id)
        try:
            t = await ledger.transfer(db, debit=src, credit=dst, amount=amount, kind=TransferKind.donation)  # type: ignore[arg-type]
        except InsufficientBalance:
            assert can is not None
            assert can < amount  # type: ignore[operator]
            return
        assert can is not None
        assert can >= amount  # type: ignore[operator]
        m.move(src.id, dst.id, amount)  # type: ignore[arg-type]
        m.transfers.append(t)
    elif name == "hold":
        _, who, asset, amount = op
        src = await ledger.user_account(db, people[who].id, asset)  # type: ignore[index,arg-type]
        settlement = await ledger.system_account(db, world.community.id, "settlement", asset)  # type: ignore[arg-type]
        m.system.add(settlement.id)
        can = m.spendable(src.id)
        try:
            h = await ledger.hold(
                db,
                debit=src,
                credit=settlement,
                amount=amount,  # type: ignore[arg-type]
                expires_at=clock.now() + timedelta(hours=1),
            )
        except InsufficientBalance:
            assert can is not None
            assert can < amount  # type: ignore[operator]
            return
        m.reserved[src.id] = m.reserved.get(src.id, 0) + amount  # type: ignore[operator]
        m.holds.append(h)
    elif name in ("post", "void"):
        if not m.holds:
            return
        h = m.holds[op[1] % len(m.holds)]  # type: ignore[operator]
        was_open = h.status.value == "pending"
        try:
            if name == "post":
                t = await ledger.post_pending(db, h.id)
            else:
                await ledger.void_pending(db, h.id)
        except HoldNotPending:
            assert not was_open
            return
        await db.refresh(h)
        if was_open:
            m.reserved[h.debit_account_id] -= h.amount
            if name == "post":
                m.move(h.debit_account_id, h.credit_account_id, h.amount)
                m.transfers.append(t)
    elif name == "reverse":
        if not m.transfers:
            return
        _, index, amount = op
        t = m.transfers[index % len(m.transfers)]  # type: ignore[operator]
        remaining = t.amount - m.reversed.get(t.id, 0)
        want = remaining if amount is None else amount
        can = m.spendable(t.credit_account_id)
        try:
            r = await ledger.reverse(db, t.id, amount=amount)  # type: ignore[arg-type]
        except ReversalExceedsOriginal:
            assert want > remaining or want == 0  # type: ignore[operator]
            return
        except InsufficientBalance:
            assert can is not None
            assert can < want  # type: ignore[operator]
            return
        assert r.amount == want
        m.reversed[t.id] = m.reversed.get(t.id, 0) + r.amount
        m.move(t.credit_account_id, t.debit_account_id, r.amount)
        m.transfers.append(r)


async def _agrees(db: AsyncSession, m: Model) -> None:
    rows = (await db.execute(select(Account.id, Account.kind, Account.balance, Account.reserved))).all()
    for account_id, kind, bal, reserved in rows:
        assert bal == m.balance.get(account_id, 0)
        assert reserved == m.reserved.get(account_id, 0)
        if kind is not AccountKind.system:
            assert bal >= reserved >= 0
    report = await check_invariants(db)
    assert report["ok"], report


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=25))
async def test_random_ledger_histories_keep_the_invariants(
    db: AsyncSession, world: World, ops: list[tuple[object, ...]]
) -> None:
    savepoint = await db.begin_nested()
    try:
        model = Model()
        for op in ops:
            await _step(db, world, model, op)
            await _agrees(db, model)
    finally:
        await savepoint.rollback()
