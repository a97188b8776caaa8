"""What intake and the back office share: rendering an application, its timeline events, inbox notes,
loading it within the caller's scope, and the checks on its state and materials."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.identity import User
from app.models.service_items import (
    CLOCK_RUNNING,
    RequestStatus,
    ServiceItemVersion,
    ServiceRequest,
    ServiceRequestEvent,
)
from app.notifications.service import notify
from app.service_items import catalogue, deadlines
from app.service_items.errors import (
    ConsentRequired,
    InvalidMaterial,
    RequestInvalidTransition,
    RequestNotFound,
)
from app.service_items.schemas import (
    MaterialOut,
    MissingMaterial,
    PersonRef,
    RequestOut,
)

S = RequestStatus
FORM_LABELS = {"original": "原件", "copy": "复印件"}


# ---------------------------------------------------------------- rendering


def missing_materials(version: ServiceItemVersion, received: Iterable[str]) -> list[MissingMaterial]:
    have = set(received)
    return [
        MissingMaterial(id=m["id"], name=m["name"], form=m["form"], count=m["count"])
        for m in version.materials
        if m["required"] and m["id"] not in have
    ]


def is_overdue(request: ServiceRequest) -> bool:
    return (
        request.status in CLOCK_RUNNING and request.due_on is not None and request.due_on < deadlines.today()
    )


async def request_out(db: AsyncSession, request: ServiceRequest) -> RequestOut:
    version = await catalogue.version_of(db, request.item_version_id)
    people = {
        u.id: u
        for u in (
            await db.execute(select(User).where(User.id.in_({request.applicant_id, request.taken_by_id})))
        ).scalars()
    }
    applicant, taker = people[request.applicant_id], people[request.taken_by_id]
    return RequestOut(
        id=request.id,
        number=request.number,
        community_id=request.community_id,
        item_id=request.item_id,
        item_version=version.version,
        item_version_id=version.id,
        item_name=version.name,
        department_id=request.department_id,
        applicant=PersonRef(id=applicant.id, name=applicant.name),
        taken_by=PersonRef(id=taker.id, name=taker.name),
        on_behalf=request.applicant_id != request.taken_by_id,
        channel=request.channel,
        consent=request.consent,
        status=request.status,
        materials=[MaterialOut(**m) for m in version.materials],
        materials_received=list(request.materials_received),
        missing=missing_materials(version, request.materials_received),
        started_on=request.started_on,
        due_on=request.due_on,
        paused_on=request.paused_on,
        paused_days=request.paused_days,
        corrections=request.corrections,
        overdue=is_overdue(request),
        decision_reason=request.decision_reason,
        handover=request.handover,
        rating=request.rating,
        rating_comment=request.rating_comment,
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


# ---------------------------------------------------------------- shared helpers


async def event(
    db: AsyncSession,
    request: ServiceRequest,
    actor_id: uuid.UUID | None,
    kind: str,
    body: str = "",
    *,
    public: bool = True,
    **data: Any,
) -> None:
    db.add(
        ServiceRequestEvent(
            request_id=request.id,
            actor_id=actor_id,
            kind=kind,
            status=request.status,
            body=body,
            public=public,
            data={k: str(v) for k, v in data.items() if v is not None},
            created_at=clock.now(),
        )
    )
    await db.flush()


async def tell(
    db: AsyncSession,
    user_ids: Iterable[uuid.UUID | None],
    request: ServiceRequest,
    kind: str,
    title: str,
    body: str = "",
) -> None:
    """Inbox notes about an application, once per person."""
    for user_id in dict.fromkeys(u for u in user_ids if u is not None):
        await notify(
            db,
            user_id=user_id,
            kind=f"service_request.{kind}",
            title=title,
            body=body,
            link=f"/pages/service-request/index?id={request.id}",
            data={"service_request_id": str(request.id), "number": request.number},
        )


def people_of(request: ServiceRequest) -> list[uuid.UUID]:
    """The resident, and the 代办员 or staff member who acts for them."""
    return [request.applicant_id, request.taken_by_id]


async def department_handlers(db: AsyncSession, department_id: uuid.UUID) -> list[uuid.UUID]:
    return await identity.handlers_of(db, department_id)


def require(request: ServiceRequest, *allowed: RequestStatus) -> None:
    if request.status is S.awaiting_consent and S.awaiting_consent not in allowed:
        raise ConsentRequired(current_status=request.status.value)
    if request.status not in allowed:
        raise RequestInvalidTransition(current_status=request.status.value)


def visible(who: Principal) -> Any:
    conds: list[Any] = [ServiceRequest.applicant_id == who.id, ServiceRequest.taken_by_id == who.id]
    if who.staff_communities:
        conds.append(ServiceRequest.community_id.in_(who.staff_communities))
    if who.handler_units:
        conds.append(ServiceRequest.department_id.in_(who.handler_units))
    return or_(*conds)


async def load(
    db: AsyncSession, who: Principal, request_id: uuid.UUID, *, lock: bool = False
) -> ServiceRequest:
    query = select(ServiceRequest).where(ServiceRequest.id == request_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = (await db.execute(query)).scalar_one_or_none()
    if request is None:
        raise RequestNotFound()
    return request


def is_back_office(who: Principal, request: ServiceRequest) -> bool:
    return who.is_staff_of(request.community_id) or request.department_id in who.handler_units


def missing_text(missing: list[MissingMaterial]) -> str:
    return "；".join(
        f"{i}. {m.name}（{FORM_LABELS.get(m.form, m.form)}{m.count}份）" for i, m in enumerate(missing, 1)
    )


def check_materials(version: ServiceItemVersion, ids: Iterable[str]) -> list[str]:
    known = {m["id"] for m in version.materials}
    ids = list(dict.fromkeys(ids))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidMaterial(unknown=unknown)
    return ids
