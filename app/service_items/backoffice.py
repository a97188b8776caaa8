"""The back office (后台办理): the department accepts, processes, asks for a correction (补正, the clock
pauses), approves or rejects with a reason, records the handover; the resident rates; overdue
applications are escalated (督办). Services flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.service_items import CLOCK_RUNNING, Channel, Handover, RequestStatus, ServiceRequest
from app.platform import audit
from app.service_items import catalogue, deadlines
from app.service_items.common import (
    check_materials,
    department_handlers,
    event,
    load,
    missing_materials,
    missing_text,
    people_of,
    request_out,
    require,
    tell,
)
from app.service_items.errors import AlreadyRated, HandoverNotAllowed, NotApplicant, NotDepartment
from app.service_items.schemas import ApproveIn, CorrectionIn, HandoverIn, RateIn, ReasonIn, RequestOut

S = RequestStatus
HANDOVER_LABELS = {
    Handover.window_pickup: "请到窗口领取",
    Handover.delivery: "已送达",
    Handover.agent_handover: "已由代办员转交",
}


def _require_back_office(who: Principal, request: ServiceRequest) -> None:
    if not (who.is_staff_of(request.community_id) or request.department_id in who.handler_units):
        raise NotDepartment()


async def _audit(
    db: AsyncSession, who: Principal, request: ServiceRequest, action: str, **detail: object
) -> None:
    await audit.record(
        db,
        actor_id=who.id,
        action=f"service_request.{action}",
        target_type="service_request",
        target_id=request.id,
        community_id=request.community_id,
        on_behalf_of=request.applicant_id,
        **detail,
    )


async def _name(db: AsyncSession, request: ServiceRequest) -> str:
    return (await catalogue.version_of(db, request.item_version_id)).name


async def accept(db: AsyncSession, who: Principal, request_id: uuid.UUID) -> RequestOut:
    """The department takes the application up (后台接件)."""
    request = await load(db, who, request_id, lock=True)
    _require_back_office(who, request)
    require(request, S.submitted)
    request.status = S.processing
    request.updated_at = clock.now()
    await event(db, request, who.id, "accepted", "办理部门已接件，正在办理")
    await _audit(db, who, request, "accept")
    await tell(db, people_of(request), request, "accepted", f"「{await _name(db, request)}」正在办理")
    return await request_out(db, request)


async def ask_correction(
    db: AsyncSession, who: Principal, request_id: uuid.UUID, body: CorrectionIn
) -> RequestOut:
    """补正: the clock pauses until the resident supplies what is asked; listed materials are asked again."""
    request = await load(db, who, request_id, lock=True)
    _require_back_office(who, request)
    require(request, S.submitted, S.processing)
    version = await catalogue.version_of(db, request.item_version_id)
    again = check_materials(version, body.materials)
    request.materials_received = [m for m in request.materials_received if m not in again]
    request.status = S.correction
    request.paused_on = deadlines.today()
    request.corrections += 1
    request.updated_at = clock.now()
    missing = missing_materials(version, request.materials_received)
    asked = f"需补正：{body.reason}" + (f"。请补齐：{missing_text(missing)}" if missing else "")
    await event(db, request, who.id, "correction", asked, materials=",".join(again))
    await _audit(db, who, request, "correction", reason=body.reason)
    await tell(
        db, people_of(request), request, "correction", f"「{version.name}」需要补正（一次性告知）", asked
    )
    return await request_out(db, request)


async def _decide(
    db: AsyncSession, who: Principal, request: ServiceRequest, to: RequestStatus, reason: str | None
) -> None:
    request.status = to
    request.decided_on = deadlines.today()
    request.decided_at = clock.now()
    request.decision_reason = reason
    request.updated_at = request.decided_at


async def approve(db: AsyncSession, who: Principal, request_id: uuid.UUID, body: ApproveIn) -> RequestOut:
    """办结: approved (an optional remark)."""
    request = await load(db, who, request_id, lock=True)
    _require_back_office(who, request)
    require(request, S.processing)
    remark = body.remark or None
    await _decide(db, who, request, S.approved, remark)
    await event(db, request, who.id, "approved", "审核通过" + (f"：{remark}" if remark else ""))
    await _audit(db, who, request, "approve")
    await tell(
        db,
        people_of(request),
        request,
        "approved",
        f"「{await _name(db, request)}」已办结（通过）",
        remark or "",
    )
    return await request_out(db, request)


async def reject(db: AsyncSession, who: Principal, request_id: uuid.UUID, body: ReasonIn) -> RequestOut:
    """不予办理, with the reason the resident reads."""
    request = await load(db, who, request_id, lock=True)
    _require_back_office(who, request)
    require(request, S.submitted, S.processing, S.correction)
    request.paused_on = None
    await _decide(db, who, request, S.rejected, body.reason)
    await event(db, request, who.id, "rejected", f"不予办理：{body.reason}")
    await _audit(db, who, request, "reject", reason=body.reason)
    await tell(
        db, people_of(request), request, "rejected", f"「{await _name(db, request)}」不予办理", body.reason
    )
    return await request_out(db, request)


async def hand_over(db: AsyncSession, who: Principal, request_id: uuid.UUID, body: HandoverIn) -> RequestOut:
    """How the result reached the resident: 窗口领取, 送达, or 代办员转交 (by the 代办员 who took it in)."""
    request = await load(db, who, request_id, lock=True)
    agent_self = who.id == request.taken_by_id and request.channel is Channel.agent
    if body.method is Handover.agent_handover:
        if request.channel is not Channel.agent:
            raise HandoverNotAllowed()
        if not agent_self:
            _require_back_office(who, request)
    else:
        _require_back_office(who, request)
    require(request, S.approved)
    request.status = S.handed_over
    request.handover = body.method
    request.handed_over_at = clock.now()
    request.updated_at = request.handed_over_at
    text = HANDOVER_LABELS[body.method] + (f"（{body.note}）" if body.note else "")
    await event(db, request, who.id, "handed_over", text, method=body.method.value)
    await _audit(db, who, request, "handover", method=body.method.value)
    await tell(
        db, people_of(request), request, "handed_over", f"「{await _name(db, request)}」{text}，请评价"
    )
    return await request_out(db, request)


async def rate(db: AsyncSession, who: Principal, request_id: uuid.UUID, body: RateIn) -> RequestOut:
    """The resident rates the service at the end (满意/基本满意/不满意)."""
    request = await load(db, who, request_id, lock=True)
    if who.id != request.applicant_id:
        raise NotApplicant()
    require(request, S.handed_over, S.rejected)
    if request.rating is not None:
        raise AlreadyRated()
    request.rating = body.rating
    request.rating_comment = body.comment or None
    request.updated_at = clock.now()
    await event(db, request, who.id, "rated", body.comment, rating=body.rating.value)
    return await request_out(db, request)


# ---------------------------------------------------------------- escalation (督办)


async def supervisors(db: AsyncSession, community_id: uuid.UUID) -> list[uuid.UUID]:
    return await identity.staff_of(db, community_id)


async def escalate_overdue(db: AsyncSession, now: datetime) -> int:
    """Escalate every running application past its deadline, once per deadline (it may run twice).

    The atomic UPDATE … RETURNING marks each application for its current due date, so two workers
    never both escalate it; a deadline moved by a correction can be escalated again when it passes.
    """
    today: date = clock.local_day(now)
    rows = (
        await db.execute(
            update(ServiceRequest)
            .where(
                ServiceRequest.status.in_(CLOCK_RUNNING),
                ServiceRequest.due_on < today,
                ServiceRequest.escalated_for.is_distinct_from(ServiceRequest.due_on),
            )
            .values(escalated_for=ServiceRequest.due_on)
            .returning(ServiceRequest)
            .execution_options(synchronize_session=False)
        )
    ).scalars()
    escalated = list(rows)
    for request in escalated:
        late = deadlines.workdays_after(request.due_on, today) if request.due_on else 0
        await event(
            db,
            request,
            None,
            "escalated",
            f"已超期{late}个工作日，已督办",
            public=False,
            due_on=request.due_on,
        )
        targets = [
            *await supervisors(db, request.community_id),
            *await department_handlers(db, request.department_id),
        ]
        await tell(
            db,
            targets,
            request,
            "overdue",
            f"督办：办件 {request.number} 已超期",
            f"「{await _name(db, request)}」应于{request.due_on}前办结",
        )
    return len(escalated)
