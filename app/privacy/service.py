"""Personal-data requests (个人信息保护法 PIPL arts. 45 and 47): a resident downloads what we hold, and closes
their account.

Both are by nature about every domain at once, so — unlike everything else — this module reads the
tables through the shared metadata instead of each domain's service: every column with a foreign key
to `users.id` is found there, so a table added later is included without anyone remembering to.

**Export** (`GET /me/data`): for every table, the rows where a user column names the caller, all
columns except secrets (password and token hashes, WeChat's session key, stored responses). Columns
that record the caller *acting on others' records* as staff (`*_by`, `actor_id`, `organiser_id`) are not
followed: those rows are about other people.

**Closing** (`POST /me/close`, the word 注销 as confirmation), residents only (staff, handlers,
merchants, 楼栋长 and 代办员 are closed by an admin: their grants carry duties), refused while points are
held for a booking. Then, in one transaction, audited (`privacy.account_closed`):

- wallet rule: whatever is left in the resident's points and hours wallets goes back to their
  community's issuance account as a `donation` (reference `account_closed:<id>`), so each asset still
  sums to zero and no value is left in an account nobody can reach; the resident is told so before they
  confirm (docs/privacy.md);
- the person is erased from the user row: name becomes 已注销用户, phone, WeChat ids, session key, birth
  date and password are cleared, the login name becomes `closed-<id>` (nothing can sign in with it),
  `is_active` false, `closed_at` set; a later WeChat login with the same phone/WeChat account starts a
  new, empty resident;
- records others depend on are kept without the person: tickets (the caller's name and phone and the
  exact position are cleared; the reporter id stays, now pointing at 已注销用户), ledger transfers and
  wallets (balance 0), bookings, sign-ups, help requests, redemptions, decisions' records;
- what is only theirs is deleted: refresh tokens, subscribe grants, the inbox, role grants;
- the caller's cached identity is dropped in this process; other processes refuse the token within
  `LINLI_PRINCIPAL_CACHE_SECONDS` (the user row is inactive).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import principal_cache
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.models import Base
from app.models.identity import RefreshToken, Role, RoleGrant, User
from app.models.ledger import Account, Asset, TransferKind
from app.models.notifications import Notification, SubscribeGrant
from app.models.tickets import Ticket
from app.platform import audit
from app.privacy.errors import ConfirmationMissing, HasPendingHolds, HasRoles
from app.privacy.schemas import ClosedOut, CloseIn, PersonalData, WalletMove

CONFIRM_WORD = "注销"
CLOSED_NAME = "已注销用户"
SECRET_COLUMNS = {"password_hash", "session_key", "token_hash", "code_hash", "request_hash", "response_body"}
ROWS_PER_TABLE = 10_000
RULES = (
    "Every row of every table where a user column names you, all columns but secrets (password and "
    "token hashes, WeChat's session key). Rows that record you acting on other people's records as "
    "staff are left out: they are about those people."
)


def _acting_column(name: str) -> bool:
    return name.endswith("_by") or name in ("actor_id", "organiser_id", "taken_by")


def _user_columns(table: Table) -> list[str]:
    names = []
    for column in table.columns:
        if _acting_column(column.name):
            continue
        if any(fk.column.table.name == "users" and fk.column.name == "id" for fk in column.foreign_keys):
            names.append(column.name)
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def export(db: AsyncSession, who: Principal) -> PersonalData:
    """Everything we hold that names the caller, table by table (PIPL art. 45); audited."""
    records: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "users":
            condition = table.c.id == who.id
        else:
            columns = _user_columns(table)
            if not columns:
                continue
            condition = or_(*(table.c[name] == who.id for name in columns))
        rows = (await db.execute(select(table).where(condition).limit(ROWS_PER_TABLE))).mappings().all()
        if rows:
            records[table.name] = [
                {k: _plain(v) for k, v in row.items() if k not in SECRET_COLUMNS} for row in rows
            ]
    await audit.record(
        db,
        actor_id=who.id,
        action="privacy.data_exported",
        target_type="user",
        target_id=who.id,
        tables=len(records),
        rows=sum(len(r) for r in records.values()),
    )
    await db.flush()
    return PersonalData(generated_at=clock.now(), user_id=who.id, rules=RULES, records=records)


async def close_account(db: AsyncSession, who: Principal, body: CloseIn) -> ClosedOut:
    """Close the caller's account (PIPL art. 47): value returned, the person erased, records kept."""
    if body.confirm.strip() != CONFIRM_WORD:
        raise ConfirmationMissing()
    if any(g.role is not Role.resident for g in who.grants):
        raise HasRoles()
    user = (
        await db.execute(
            select(User).where(User.id == who.id).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    wallets = (
        (
            await db.execute(
                select(Account).where(Account.user_id == user.id).order_by(Account.id).with_for_update()
            )
        )
        .scalars()
        .all()
    )
    if any(w.reserved > 0 for w in wallets):
        raise HasPendingHolds()

    moved: list[WalletMove] = []
    for wallet in wallets:
        community_id = wallet.community_id or user.community_id
        if wallet.balance <= 0 or community_id is None:
            continue
        amount = wallet.balance
        await ledger.transfer(
            db,
            debit=wallet,
            credit=await ledger.system_account(db, community_id, "issuance", Asset(wallet.asset)),
            amount=amount,
            kind=TransferKind.donation,
            reference=f"account_closed:{user.id}",
            idempotency_key=f"account_closed:{user.id}:{Asset(wallet.asset).value}",
            actor_id=user.id,
            memo="账号注销，余额退回社区",
        )
        moved.append(
            WalletMove(asset=Asset(wallet.asset).value, amount=amount, to=f"issuance:{community_id}")
        )

    erased: dict[str, int] = {}
    tickets = await db.execute(
        update(Ticket)
        .where(Ticket.reporter_id == user.id)
        .values(caller_name=None, caller_phone=None, lat=None, lng=None)
    )
    erased["tickets"] = int(tickets.rowcount or 0)  # type: ignore[attr-defined]
    for model in (RefreshToken, SubscribeGrant, Notification, RoleGrant):
        count = await db.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))
        await db.execute(delete(model).where(model.user_id == user.id))
        erased[str(model.__tablename__)] = int(count or 0)
    now = clock.now()
    user.name = CLOSED_NAME
    user.phone = None
    user.openid = None
    user.unionid = None
    user.session_key = None
    user.username = f"closed-{user.id.hex}"
    user.password_hash = None
    user.birth_date = None
    user.birth_date_verified_at = None
    user.birth_date_verified_by = None
    user.subsidy_eligible = False
    user.is_active = False
    user.closed_at = now
    erased["users"] = 1
    await audit.record(
        db,
        actor_id=user.id,
        action="privacy.account_closed",
        target_type="user",
        target_id=user.id,
        community_id=user.community_id,
        returned=",".join(f"{m.asset}:{m.amount}" for m in moved) or None,
        erased=",".join(f"{k}:{v}" for k, v in erased.items()),
    )
    await db.flush()
    principal_cache.forget(user.id)
    return ClosedOut(user_id=user.id, closed_at=now, wallet=moved, erased=erased)
