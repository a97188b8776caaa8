"""Applications taken in at the front desk (前台受理): intake, consent, materials, the timeline.

Whoever takes an application in — staff at the desk, the resident in the app, or a 代办员 on the
resident's behalf — ticks the materials received. Anything required still missing sends the resident
one complete list (一次性告知) and the clock does not start; once every required material is in, the
application is taken in (受理) and its working-day clock starts. A 代办员's application waits for the
resident's consent (confirmed in the app, or a signed form noted by staff) before anything else.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.core.pagination import Page, PageParams, page_of
from app.identity.principal import Principal
from app.models.identity import User
from app.models.service_items import (
    CLOCK_RUNNING,
    Channel,
    Consent,
    RequestStatus,
    ServiceItemVersion,
    ServiceRequest,
    ServiceRequestCounter,
    ServiceRequestEvent,
)
from app.platform import audit
from app.service_items import catalogue, deadlines
from app.service_items.common import (
    check_materials,
    department_handlers,
    event,
    is_back_office,
    load,
    missing_materials,
    missing_text,
    people_of,
    request_out,
    require,
    tell,
    visible,
)
from app.service_items.errors import (
    ChannelNotOffered,
    ConsentRequired,
    InvalidResident,
    ItemInactive,
    NotAnAgent,
    NotApplicant,
    NotFrontDesk,
)
from app.service_items.schemas import (
    ConsentIn,
    EventOut,
    MaterialsIn,
    RequestIn,
    RequestOut,
)

S = RequestStatus


# ---------------------------------------------------------------- intake


async def _number(db: AsyncSession, community_id: uuid.UUID, now: datetime) -> str:
    day = clock.local_day(now)
    seq = (
        await db.execute(
            insert(ServiceRequestCounter)
            .values(community_id=community_id, day=day, last=1)
            .on_conflict_do_update(
                index_elements=[ServiceRequestCounter.community_id, ServiceRequestCounter.day],
                set_={"last": ServiceRequestCounter.last + 1},
            )
            .returning(ServiceRequestCounter.last)
        )
    ).scalar_one()
    return f"SX{day:%Y%m%d}-{seq:04d}"


async def create_request(db: AsyncSession, who: Principal, body: RequestIn) -> RequestOut:
    """Take an application in: for yourself in the app, at the desk (staff), or as a 代办员 for a resident."""
    item, version = await catalogue.load_item_for_use(db, who, body.item_id)
    if not item.active:
        raise ItemInactive()
    consent: Consent | None
    if body.on_behalf_of is not None and body.on_behalf_of != who.id:
        resident = await db.get(User, body.on_behalf_of)
        if resident is None or resident.community_id != item.community_id:
            raise InvalidResident()
        if who.is_staff_of(item.community_id):
            channel, consent = Channel.window, Consent.signed_form if body.signed_form else Consent.in_person
        elif item.community_id in catalogue.agent_communities(who):
            if body.signed_form:
                raise ConsentRequired(
                    _("代办委托书须由工作人员核对登记", "Only staff may note a signed form")
                )
            channel, consent = Channel.agent, None
        else:
            raise NotAnAgent()
        applicant_id = resident.id
    else:
        if item.community_id != who.community_id:
            raise InvalidResident()
        channel, consent, applicant_id = Channel.online, Consent.own, who.id
    if channel.value not in version.channels:
        raise ChannelNotOffered(channel=channel.value)
    received = check_materials(version, body.materials)
    now = clock.now()
    request = ServiceRequest(
        id=uuid.uuid4(),
        number=await _number(db, item.community_id, now),
        community_id=item.community_id,
        item_id=item.id,
        item_version_id=version.id,
        department_id=version.department_id,
        applicant_id=applicant_id,
        taken_by_id=who.id,
        channel=channel,
        consent=consent,
        consent_at=now if consent else None,
        consent_noted_by=who.id if consent is Consent.signed_form else None,
        status=S.awaiting_consent if consent is None else S.incomplete,
        note=body.note,
        materials_received=received,
        paused_days=0,
        corrections=0,
        created_at=now,
        updated_at=now,
    )
    db.add(request)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="service_request.intake",
        target_type="service_request",
        target_id=request.id,
        community_id=request.community_id,
        on_behalf_of=applicant_id if applicant_id != who.id else None,
        channel=channel.value,
        consent=consent.value if consent else "pending",
        item_version=version.version,
    )
    await event(db, request, who.id, "created", f"{version.name}：申请已登记", channel=channel.value)
    if consent is None:
        taker = who.user.name or "代办员"
        await tell(
            db,
            [applicant_id],
            request,
            "consent_requested",
            f"{taker}想为您代办「{version.name}」",
            "请在小程序中确认同意后再办理；不同意可不予理会。",
        )
    else:
        await _check_in(db, who, request, version)
    return await request_out(db, request)


async def _check_in(
    db: AsyncSession, who: Principal, request: ServiceRequest, version: ServiceItemVersion
) -> None:
    """Materials complete → 受理 and the clock starts; else the one complete list of what is missing."""
    missing = missing_materials(version, request.materials_received)
    if missing:
        request.status = S.incomplete
        request.updated_at = clock.now()
        text = missing_text(missing)
        await event(db, request, who.id, "materials_missing", f"还需补齐以下材料（一次性告知）：{text}")
        await tell(
            db,
            people_of(request),
            request,
            "materials_missing",
            f"办理「{version.name}」还缺{len(missing)}项材料（一次性告知）",
            text,
        )
        return
    today = deadlines.today()
    request.status = S.submitted
    request.started_on = today
    request.due_on = deadlines.add_workdays(today, version.time_limit_days)
    request.updated_at = clock.now()
    await event(
        db,
        request,
        who.id,
        "taken_in",
        f"材料齐全，已受理；{version.time_limit_days}个工作日内办结（{request.due_on:%Y-%m-%d}前）",
        due_on=request.due_on,
    )
    await tell(
        db, people_of(request), request, "taken_in", f"「{version.name}」已受理，办件号 {request.number}"
    )
    await tell(
        db,
        await department_handlers(db, request.department_id),
        request,
        "assigned",
        f"新办件 {request.number}：{version.name}",
    )


async def give_consent(
    db: AsyncSession, who: Principal, request_id: uuid.UUID, body: ConsentIn
) -> RequestOut:
    """The resident confirms in the app, or staff note the signed authorisation form (委托书)."""
    request = await load(db, who, request_id, lock=True)
    require(request, S.awaiting_consent)
    if body.signed_form:
        if not who.is_staff_of(request.community_id):
            raise ConsentRequired(_("代办委托书须由工作人员核对登记", "Only staff may note a signed form"))
        request.consent, request.consent_noted_by = Consent.signed_form, who.id
    else:
        if who.id != request.applicant_id:
            raise NotApplicant()
        request.consent = Consent.app
    request.consent_at = clock.now()
    await audit.record(
        db,
        actor_id=who.id,
        action="service_request.consent",
        target_type="service_request",
        target_id=request.id,
        community_id=request.community_id,
        on_behalf_of=request.applicant_id if who.id != request.applicant_id else None,
        agent_id=request.taken_by_id,
        consent=request.consent.value,
    )
    await event(
        db, request, who.id, "consent", "居民已同意代办" if not body.signed_form else "已登记代办委托书"
    )
    await _check_in(db, who, request, await catalogue.version_of(db, request.item_version_id))
    return await request_out(db, request)


async def add_materials(
    db: AsyncSession, who: Principal, request_id: uuid.UUID, body: MaterialsIn
) -> RequestOut:
    """Tick materials received; completes the intake, or supplies a correction (补正) and resumes the clock."""
    request = await load(db, who, request_id, lock=True)
    require(request, S.incomplete, S.correction)
    front = who.id in (request.taken_by_id, request.applicant_id)
    if not (front or who.is_staff_of(request.community_id)):
        raise NotFrontDesk()
    version = await catalogue.version_of(db, request.item_version_id)
    ids = check_materials(version, body.received)
    request.materials_received = list(dict.fromkeys([*request.materials_received, *ids]))
    await event(db, request, who.id, "materials", body.note or "已登记材料", received=",".join(ids))
    if request.status is S.incomplete:
        await _check_in(db, who, request, version)
    else:
        await resume_after_correction(db, who, request, version)
    await db.flush()
    return await request_out(db, request)


async def resume_after_correction(
    db: AsyncSession, who: Principal, request: ServiceRequest, version: ServiceItemVersion
) -> None:
    missing = missing_materials(version, request.materials_received)
    if missing:
        await tell(
            db,
            people_of(request),
            request,
            "materials_missing",
            f"补正「{version.name}」还缺{len(missing)}项材料（一次性告知）",
            missing_text(missing),
        )
        return
    today = deadlines.today()
    assert request.paused_on is not None
    assert request.due_on is not None
    paused = deadlines.workdays_after(request.paused_on, today)
    request.paused_days += paused
    request.due_on = deadlines.add_workdays(request.due_on, paused)
    request.paused_on = None
    request.status = S.processing
    request.updated_at = clock.now()
    await event(
        db,
        request,
        who.id,
        "corrected",
        f"补正材料已提交，继续办理；办结期限顺延{paused}个工作日至{request.due_on:%Y-%m-%d}",
        paused_days=paused,
        due_on=request.due_on,
    )
    await tell(
        db,
        await department_handlers(db, request.department_id),
        request,
        "corrected",
        f"办件 {request.number} 已补正",
    )
    await tell(db, people_of(request), request, "corrected", f"「{version.name}」补正已收到，继续办理")


# ---------------------------------------------------------------- reading


async def get_request(db: AsyncSession, who: Principal, request_id: uuid.UUID) -> RequestOut:
    return await request_out(db, await load(db, who, request_id))


async def list_requests(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: RequestStatus | None,
    mine: bool,
    overdue: bool,
) -> Page[Any]:
    """Newest first: yours (applied for or taken in), your department's, your community's as staff."""
    query = select(ServiceRequest).where(visible(who))
    if mine:
        query = query.where(or_(ServiceRequest.applicant_id == who.id, ServiceRequest.taken_by_id == who.id))
    if status is not None:
        query = query.where(ServiceRequest.status == status)
    if overdue:
        query = query.where(
            ServiceRequest.status.in_(CLOCK_RUNNING), ServiceRequest.due_on < deadlines.today()
        )
    position = params.after(datetime, uuid.UUID)
    if position is not None:
        at, last_id = position
        query = query.where(
            or_(
                ServiceRequest.created_at < at,
                and_(ServiceRequest.created_at == at, ServiceRequest.id < last_id),
            )
        )
    rows = list(
        (
            await db.execute(
                query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()).limit(
                    params.limit + 1
                )
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda r: [r.created_at.isoformat(), str(r.id)])
    page.items = [await request_out(db, r) for r in page.items]
    return page


async def timeline(db: AsyncSession, who: Principal, request_id: uuid.UUID) -> list[EventOut]:
    """Every step; the resident and the 代办员 see the public ones."""
    request = await load(db, who, request_id)
    query = select(ServiceRequestEvent).where(ServiceRequestEvent.request_id == request.id)
    if not is_back_office(who, request):
        query = query.where(ServiceRequestEvent.public.is_(True))
    rows = (await db.execute(query.order_by(ServiceRequestEvent.seq))).scalars()
    return [EventOut.model_validate(e) for e in rows]
