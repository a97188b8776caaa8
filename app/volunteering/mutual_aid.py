"""Mutual aid (互助): a resident asks for help and offers minutes; a neighbour takes it; on completion the
minutes move requester → helper through the ledger, or from the community subsidy account when the
requester cannot pay and is eligible (staff-flagged `subsidy_eligible`, or 60 and over by a birth date
staff verified — never the self-declared one) and the subsidy budgets allow it: per community per month
and per elder per month (`org_units.subsidy_minutes_per_month`, `…_per_elder_month`), counted first in
`subsidy_usage` with an atomic upsert so parallel completions cannot overspend (issue #18).

Rules chosen where the issue is silent: residents see their community's open requests plus the ones they
posted or took; only the requester confirms completion or cancels (only while nobody has taken it);
either party may flag a taken or completed request as disputed, which tells the community's staff.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_contacts
from app.identity import service as identity
from app.identity.principal import Principal
from app.identity.service import verified_age
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.models.identity import OrgUnit, User
from app.models.ledger import Asset, TransferKind
from app.models.volunteering import HelpRequest, HelpStatus, SubsidyUsage
from app.notifications.service import notify
from app.volunteering.config import rules
from app.volunteering.errors import (
    CannotTakeOwn,
    HelpInvalidTransition,
    HelpNotFound,
    NoCommunity,
    NotParticipant,
    NotRequester,
    SubsidyBudgetExhausted,
)
from app.volunteering.schemas import HelpIn, HelpOut


def _out(req: HelpRequest, who: Principal | None = None) -> HelpOut:
    columns = {name: getattr(req, name) for name in HelpOut.model_fields if name != "disputed"}
    out = HelpOut(**columns, disputed=req.disputed_at is not None)
    if who is not None and not (
        who.id in (req.requester_id, req.helper_id) or who.is_staff_of(req.community_id)
    ):
        # Neighbours browsing open requests: a phone or ID number typed into the text is masked.
        out.title = mask_contacts(req.title)
        out.description = mask_contacts(req.description)
    return out


def subsidy_eligible(user: User) -> bool:
    if user.subsidy_eligible:
        return True
    age = verified_age(user, clock.local_now().date())
    return age is not None and age >= rules().subsidy_elder_age


async def _spend_subsidy(
    db: AsyncSession, community_id: uuid.UUID, elder_id: uuid.UUID, minutes: int
) -> None:
    """Count the minutes against this month's budgets first; refuse (and count nothing) past either."""
    unit = await db.get(OrgUnit, community_id)
    assert unit is not None
    month = clock.local_now().date().replace(day=1)
    # Community row first, then the elder's: one lock order for every completion, so no deadlock.
    for budget, elder, cap in (
        ("community", None, unit.subsidy_minutes_per_month),
        ("elder", elder_id, unit.subsidy_minutes_per_elder_month),
    ):
        used = None
        if minutes <= cap:
            insert = pg_insert(SubsidyUsage).values(
                id=uuid.uuid4(), community_id=community_id, month=month, elder_id=elder, minutes_used=minutes
            )
            used = (
                await db.execute(
                    insert.on_conflict_do_update(
                        constraint="uq_subsidy_usage_community_id_month_elder_id",
                        set_={"minutes_used": SubsidyUsage.minutes_used + insert.excluded.minutes_used},
                        where=SubsidyUsage.minutes_used + insert.excluded.minutes_used <= cap,
                    ).returning(SubsidyUsage.minutes_used)
                )
            ).scalar_one_or_none()
        if used is None:
            raise SubsidyBudgetExhausted(budget=budget, monthly_minutes=cap)


def _visible(who: Principal, req: HelpRequest) -> bool:
    return (
        who.is_staff_of(req.community_id)
        or who.id in (req.requester_id, req.helper_id)
        or (req.community_id == who.community_id and req.status is HelpStatus.open)
    )


async def _load(db: AsyncSession, who: Principal, help_id: uuid.UUID, *, lock: bool = False) -> HelpRequest:
    query = select(HelpRequest).where(HelpRequest.id == help_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    req = (await db.execute(query)).scalar_one_or_none()
    if req is None or not _visible(who, req):
        raise HelpNotFound()
    return req


async def post_request(db: AsyncSession, who: Principal, body: HelpIn) -> HelpOut:
    if who.community_id is None:
        raise NoCommunity()
    req = HelpRequest(
        id=uuid.uuid4(),
        community_id=who.community_id,
        requester_id=who.id,
        title=body.title,
        description=body.description,
        minutes=body.minutes,
        when_at=body.when_at,
        status=HelpStatus.open,
    )
    db.add(req)
    await db.flush()
    return _out(req)


async def get_request(db: AsyncSession, who: Principal, help_id: uuid.UUID) -> HelpOut:
    return _out(await _load(db, who, help_id), who)


async def list_requests(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: HelpStatus | None = None,
    mine: bool = False,
    disputed: bool = False,
) -> Page[HelpOut]:
    own: ColumnElement[bool] = or_(HelpRequest.requester_id == who.id, HelpRequest.helper_id == who.id)
    if mine:
        scope = own
    else:
        scope = or_(
            own, and_(HelpRequest.community_id == who.community_id, HelpRequest.status == HelpStatus.open)
        )
        if who.staff_communities:
            scope = or_(scope, HelpRequest.community_id.in_(who.staff_communities))
    query = select(HelpRequest).where(scope)
    if status is not None:
        query = query.where(HelpRequest.status == status)
    if disputed:
        query = query.where(HelpRequest.disputed_at.is_not(None))
    position = params.after(datetime, uuid.UUID)
    if position is not None:
        at, last = position
        query = query.where(
            or_(HelpRequest.created_at < at, and_(HelpRequest.created_at == at, HelpRequest.id < last))
        )
    rows = (
        await db.execute(
            query.order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()).limit(params.limit + 1)
        )
    ).scalars()
    page = page_of(list(rows), params, lambda r: [r.created_at.isoformat(), str(r.id)])
    return Page[HelpOut](items=[_out(r, who) for r in page.items], next_cursor=page.next_cursor)


async def take(db: AsyncSession, who: Principal, help_id: uuid.UUID) -> HelpOut:
    req = await _load(db, who, help_id, lock=True)
    if req.community_id != who.community_id:
        raise HelpNotFound()
    if req.requester_id == who.id:
        raise CannotTakeOwn()
    if req.status is not HelpStatus.open:
        raise HelpInvalidTransition()
    req.status = HelpStatus.taken
    req.helper_id = who.id
    req.taken_at = clock.now()
    await notify(
        db,
        user_id=req.requester_id,
        kind="mutual_aid.taken",
        title="您的互助需求有人接单了",
        body=f"「{req.title}」已由 {who.user.name or '邻居'} 接单。",
        link=f"/mutual-aid/{req.id}",
        data={"help_id": str(req.id)},
    )
    await db.flush()
    return _out(req)


async def complete(db: AsyncSession, who: Principal, help_id: uuid.UUID) -> HelpOut:
    """The requester confirms; minutes move requester → helper (or subsidy → helper), once."""
    req = await _load(db, who, help_id, lock=True)
    if req.requester_id != who.id:
        raise NotRequester()
    if req.status is not HelpStatus.taken:
        raise HelpInvalidTransition()
    assert req.helper_id is not None
    helper = await identity.get_user(db, req.helper_id)
    helper_wallet = await ledger.user_account(db, helper.id, Asset.hours, community_id=helper.community_id)
    requester_wallet = await ledger.user_account(
        db, req.requester_id, Asset.hours, community_id=who.community_id
    )
    key = f"mutual-aid:{req.id}"
    payer, paid_by = requester_wallet, "requester"
    if await ledger.available(db, requester_wallet) < req.minutes:
        if not subsidy_eligible(who.user):
            raise InsufficientBalance(needed=req.minutes)
        await _spend_subsidy(db, req.community_id, who.id, req.minutes)
        payer, paid_by = await ledger.system_account(db, req.community_id, "subsidy", Asset.hours), "subsidy"
    transfer = await ledger.transfer(
        db,
        debit=payer,
        credit=helper_wallet,
        amount=req.minutes,
        kind=TransferKind.mutual_aid,
        reference=f"mutual_aid:{req.id}",
        idempotency_key=key,
        actor_id=who.id,
        memo=req.title,
    )
    req.status = HelpStatus.completed
    req.completed_at = clock.now()
    req.paid_by = paid_by
    req.transfer_id = transfer.id
    await notify(
        db,
        user_id=req.helper_id,
        kind="volunteer.hours_credited",
        title="互助时长已到账",
        body=f"感谢您帮助邻居：「{req.title}」，{req.minutes} 分钟已存入您的时间银行。",
        link="/wallet",
        data={"help_id": str(req.id), "minutes": req.minutes},
    )
    await db.flush()
    return _out(req)


async def cancel(db: AsyncSession, who: Principal, help_id: uuid.UUID) -> HelpOut:
    req = await _load(db, who, help_id, lock=True)
    if req.requester_id != who.id:
        raise NotRequester()
    if req.status is not HelpStatus.open:
        raise HelpInvalidTransition()
    req.status = HelpStatus.cancelled
    req.cancelled_at = clock.now()
    await db.flush()
    return _out(req)


async def dispute(db: AsyncSession, who: Principal, help_id: uuid.UUID, reason: str) -> HelpOut:
    """Either party flags the request; the community's staff are told."""
    req = await _load(db, who, help_id, lock=True)
    if who.id not in (req.requester_id, req.helper_id):
        raise NotParticipant()
    if req.status not in (HelpStatus.taken, HelpStatus.completed):
        raise HelpInvalidTransition()
    req.disputed_at = clock.now()
    req.disputed_by = who.id
    req.dispute_reason = reason
    staff = await identity.staff_of(db, req.community_id)
    for staff_id in staff:
        await notify(
            db,
            user_id=staff_id,
            kind="mutual_aid.disputed",
            title="互助需求有争议，请处理",
            body=f"「{req.title}」：{reason}",
            link=f"/mutual-aid/{req.id}",
            data={"help_id": str(req.id)},
        )
    await db.flush()
    return _out(req)
