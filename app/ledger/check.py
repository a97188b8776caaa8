"""The ledger invariants, checked from the rows themselves.

1. every account's cached balance equals the sum of its transfers (credits less debits);
2. every account's `reserved` equals the sum of its pending holds, and wallets never go below it;
3. every transfer's asset is the asset of both its accounts;
4. each asset sums to zero per community (and so overall).

Each query is one statement, so it reads one consistent snapshot even while transfers run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_ACCOUNTS = text(
    """
    WITH moves AS (
        SELECT credit_account_id AS account_id, amount FROM ledger_transfers
        UNION ALL
        SELECT debit_account_id, -amount FROM ledger_transfers
    ), sums AS (
        SELECT account_id, sum(amount) AS total FROM moves GROUP BY account_id
    ), holds AS (
        SELECT debit_account_id AS account_id, sum(amount) AS total
        FROM ledger_pending_transfers WHERE status = 'pending' GROUP BY debit_account_id
    )
    SELECT a.id, a.kind::text AS kind, a.asset::text AS asset, a.community_id,
           a.balance, coalesce(s.total, 0) AS transfers_sum,
           a.reserved, coalesce(h.total, 0) AS holds_sum
    FROM ledger_accounts a
    LEFT JOIN sums s ON s.account_id = a.id
    LEFT JOIN holds h ON h.account_id = a.id
    WHERE a.balance <> coalesce(s.total, 0)
       OR a.reserved <> coalesce(h.total, 0)
       OR (a.kind <> 'system' AND (a.balance < 0 OR a.balance < a.reserved))
    ORDER BY a.id
    LIMIT 1000
    """
)

_ASSET_MISMATCH = text(
    """
    SELECT t.id FROM ledger_transfers t
    JOIN ledger_accounts d ON d.id = t.debit_account_id
    JOIN ledger_accounts c ON c.id = t.credit_account_id
    WHERE d.asset <> t.asset OR c.asset <> t.asset
    ORDER BY t.id
    LIMIT 1000
    """
)

_COMMUNITIES = text(
    """
    SELECT community_id, asset::text AS asset, sum(balance) AS total, count(*) AS accounts
    FROM ledger_accounts GROUP BY community_id, asset ORDER BY community_id, asset
    """
)

_COUNTS = text("SELECT (SELECT count(*) FROM ledger_accounts), (SELECT count(*) FROM ledger_transfers)")


async def check_invariants(db: AsyncSession) -> dict[str, Any]:
    """`{ok, accounts, transfers, bad_accounts, bad_transfers, unbalanced}`; ok only when all are empty."""
    bad_accounts = [
        {
            "account_id": str(r.id),
            "kind": r.kind,
            "asset": r.asset,
            "community_id": str(r.community_id) if r.community_id else None,
            "balance": int(r.balance),
            "transfers_sum": int(r.transfers_sum),
            "reserved": int(r.reserved),
            "holds_sum": int(r.holds_sum),
        }
        for r in (await db.execute(_ACCOUNTS)).all()
    ]
    bad_transfers = [str(r.id) for r in (await db.execute(_ASSET_MISMATCH)).all()]
    unbalanced = [
        {
            "community_id": str(r.community_id) if r.community_id else None,
            "asset": r.asset,
            "sum": int(r.total),
        }
        for r in (await db.execute(_COMMUNITIES)).all()
        if int(r.total) != 0
    ]
    accounts, transfers = (await db.execute(_COUNTS)).one()
    return {
        "ok": not bad_accounts and not bad_transfers and not unbalanced,
        "accounts": int(accounts),
        "transfers": int(transfers),
        "bad_accounts": bad_accounts,
        "bad_transfers": bad_transfers,
        "unbalanced": unbalanced,
    }
