"""The ledger move in one statement: lock both accounts in id order, check them, move the balances and
write the transfer row, in a single round trip (issue #17: the ORM version took five statements and
most of a redemption's CPU).

An account is named either by id (an `Account` the caller holds) or by its owner (`Wallet`, `Till`), so
a hot path need not look the account up first. `app.ledger.service` decides when this path applies (no
idempotency key) and falls back to the ORM path otherwise; the rules are the same:

- `found` looks both accounts up without locking; `locked` takes both rows `ORDER BY id FOR UPDATE`
  (the one lock order every ledger writer uses) only when both exist. When one is missing nothing is
  locked, so creating it and running again cannot take a lock out of order: a statement whose snapshot
  predates an account made meanwhile must not hold the other account while it then locks that one
  (fifty parallel first donations to one resident deadlocked that way);
- `pair` checks the communities (the same, and the ones the caller expects for owner-named accounts);
- `debited` takes the amount off the debit row only if it can pay (system accounts always can); the
  check is in the UPDATE's own WHERE, so PostgreSQL re-checks it on the newest row version. (A check
  computed in a sibling CTE is not re-evaluated when the UPDATE meets a row a concurrent transaction
  changed after this statement's snapshot: fifty parallel transfers both ways overdrew a wallet that
  way, and only the CHECK constraint stopped it.)
- `credited` adds it to the credit row only if `debited` did; `written` records the transfer with the
  balances both return. The CHECK constraints on `ledger_accounts` stay the last word.

When nothing moved the statement still returns the locked rows, and Python says why (or, for an
owner-named account that does not exist yet or sits in another community, takes the slow path that
creates it or lets an empty wallet follow its owner).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.models.ledger import Account, AccountKind, Asset, Transfer, TransferKind


@dataclass(frozen=True)
class Wallet:
    """A user's wallet for `asset`, named by its owner; `community_id` is the owner's community."""

    user_id: uuid.UUID
    asset: Asset
    community_id: uuid.UUID | None


@dataclass(frozen=True)
class Till:
    """A merchant's points account, named by the merchant; `community_id` is the merchant's community."""

    merchant_id: uuid.UUID
    community_id: uuid.UUID

    @property
    def asset(self) -> Asset:
        return Asset.points


Side = Account | Wallet | Till
Named = Side | uuid.UUID  # an account id, for the ledger's own callers that hold only ids


def _match(side: str, ref: Named, params: dict[str, Any]) -> str:
    if isinstance(ref, Wallet):
        params[f"{side}_owner"] = ref.user_id
        params[f"{side}_asset"] = ref.asset.value
        return f"(user_id = CAST(:{side}_owner AS uuid) AND asset = CAST(:{side}_asset AS ledger_asset))"
    if isinstance(ref, Till):
        params[f"{side}_owner"] = ref.merchant_id
        return f"(merchant_id = CAST(:{side}_owner AS uuid) AND asset = 'points')"
    params[f"{side}_id"] = ref if isinstance(ref, uuid.UUID) else ref.id
    return f"id = CAST(:{side}_id AS uuid)"


def _expected(ref: Named) -> uuid.UUID | None:
    return ref.community_id if isinstance(ref, Wallet | Till) else None


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _statement(debit_match: str, credit_match: str) -> Any:
    key = (debit_match, credit_match)
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = text(f"""
WITH found AS (
    SELECT id, CASE WHEN {debit_match} THEN 'd' ELSE 'c' END AS side
    FROM ledger_accounts
    WHERE {debit_match} OR {credit_match}
), locked AS (
    SELECT a.id, a.kind::text AS kind, a.community_id, a.balance, a.reserved, f.side
    FROM ledger_accounts a JOIN found f ON f.id = a.id
    WHERE (SELECT count(DISTINCT side) FROM found) = 2
    ORDER BY a.id
    FOR UPDATE OF a
), pair AS (
    SELECT d.id AS debit_id, c.id AS credit_id,
           d.community_id IS NOT DISTINCT FROM c.community_id
           AND (CAST(:expect_d AS uuid) IS NULL OR d.community_id = CAST(:expect_d AS uuid))
           AND (CAST(:expect_c AS uuid) IS NULL OR c.community_id = CAST(:expect_c AS uuid)) AS same_community
    FROM locked d JOIN locked c ON d.side = 'd' AND c.side = 'c'
), debited AS (
    UPDATE ledger_accounts a
    SET balance = a.balance - CAST(:amount AS bigint), reserved = a.reserved - CAST(:released AS bigint)
    FROM pair
    WHERE a.id = pair.debit_id AND pair.same_community
      AND (a.kind = 'system' OR a.balance - a.reserved + CAST(:released AS bigint) >= CAST(:amount AS bigint))
    RETURNING a.id, a.balance, a.reserved
), credited AS (
    UPDATE ledger_accounts a
    SET balance = a.balance + CAST(:amount AS bigint)
    FROM pair
    WHERE a.id = pair.credit_id AND EXISTS (SELECT 1 FROM debited)
    RETURNING a.id, a.balance, a.reserved
), written AS (
    INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, kind, reference, memo,
        actor_id, reverses_id, pending_id, debit_balance_after, credit_balance_after, created_at)
    SELECT CAST(:id AS uuid), CAST(:asset AS ledger_asset), d.id, c.id, CAST(:amount AS bigint),
        CAST(:kind AS ledger_transfer_kind), CAST(:reference AS varchar), CAST(:memo AS varchar),
        CAST(:actor_id AS uuid), CAST(:reverses_id AS uuid), CAST(:pending_id AS uuid),
        d.balance, c.balance, CAST(:now AS timestamptz)
    FROM debited d, credited c
    RETURNING id
)
SELECT l.id, l.side, l.kind, l.community_id, l.balance, l.reserved,
       coalesce(d.balance, c.balance) AS balance_after, coalesce(d.reserved, c.reserved) AS reserved_after,
       EXISTS (SELECT 1 FROM written) AS done
FROM locked l LEFT JOIN debited d ON d.id = l.id LEFT JOIN credited c ON c.id = l.id
""")
    return found


@dataclass(frozen=True)
class Locked:
    """An account as the statement locked it (before the move)."""

    id: uuid.UUID
    kind: AccountKind
    community_id: uuid.UUID | None
    balance: int
    reserved: int


@dataclass(frozen=True)
class Outcome:
    """What the statement did: the transfer (None when nothing moved) and both locked rows (or None)."""

    transfer: Transfer | None
    debit: Locked | None
    credit: Locked | None


def _sync(db: AsyncSession, account_id: uuid.UUID, balance: int, reserved: int) -> None:
    """Keep an `Account` the session already holds in step with the row, without marking it dirty."""
    cached = db.sync_session.identity_map.get(identity_key(Account, account_id))
    if cached is not None:
        set_committed_value(cached, "balance", balance)
        set_committed_value(cached, "reserved", reserved)


async def move_once(
    db: AsyncSession,
    *,
    debit: Named,
    credit: Named,
    asset: Asset,
    amount: int,
    kind: TransferKind,
    reference: str | None,
    memo: str | None,
    actor_id: uuid.UUID | None,
    now: datetime,
    transfer_id: uuid.UUID | None = None,
    reverses_id: uuid.UUID | None = None,
    pending_id: uuid.UUID | None = None,
    released: int = 0,
) -> Outcome:
    """Run the statement once. Pending ORM changes are flushed first, so no stale row overwrites it."""
    if db.dirty or db.new or db.deleted:
        await db.flush()
    params: dict[str, Any] = {}
    statement = _statement(_match("d", debit, params), _match("c", credit, params))
    params.update(
        expect_d=_expected(debit),
        expect_c=_expected(credit),
        released=released,
        amount=amount,
        id=transfer_id or uuid.uuid4(),
        asset=asset.value,
        kind=kind.value,
        reference=reference,
        memo=memo,
        actor_id=actor_id,
        reverses_id=reverses_id,
        pending_id=pending_id,
        now=now,
    )
    conn = await db.connection()
    rows = (await conn.execute(statement, params)).all()
    sides: dict[str, Any] = {r.side: r for r in rows}  # none when either account is missing
    locked = {
        side: Locked(
            id=uuid.UUID(str(r.id)),
            kind=AccountKind(r.kind),
            community_id=None if r.community_id is None else uuid.UUID(str(r.community_id)),
            balance=int(r.balance),
            reserved=int(r.reserved),
        )
        for side, r in sides.items()
    }
    d, c = locked.get("d"), locked.get("c")
    if not rows or not rows[0].done:
        return Outcome(None, d, c)
    assert d is not None
    assert c is not None
    for side, account in (("d", d), ("c", c)):
        _sync(db, account.id, int(sides[side].balance_after), int(sides[side].reserved_after))
    row = Transfer(
        id=params["id"],
        asset=asset,
        debit_account_id=d.id,
        credit_account_id=c.id,
        amount=amount,
        kind=kind,
        reference=reference,
        memo=memo,
        idempotency_key=None,
        request_hash=None,
        actor_id=actor_id,
        reverses_id=reverses_id,
        pending_id=pending_id,
        debit_balance_after=int(sides["d"].balance_after),
        credit_balance_after=int(sides["c"].balance_after),
        created_at=now,
    )
    # The row exists: the session holds it as persistent (db.get and refresh find it) without an INSERT.
    make_transient_to_detached(row)
    db.add(row)
    return Outcome(row, d, c)
