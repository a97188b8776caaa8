"""HTTP routes of consultation: 四议两公开 decisions and objections here; proposals and meetings in
(proposal|meeting)_routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from app.consultation import decisions, meeting_routes, proposal_routes, publication
from app.consultation.schemas import (
    AnswerIn,
    DecisionIn,
    DecisionOut,
    DecisionSummary,
    ObjectionIn,
    ObjectionOut,
    PublishIn,
    RatingIn,
    ResultIn,
    StepIn,
)
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.consultation import DecisionStatus
from app.platform.idempotency import IdempotencyDep

router = APIRouter()
router.include_router(proposal_routes.router)
router.include_router(meeting_routes.router)
DecisionId = Annotated[uuid.UUID, Path(description="Decision id")]
ObjectionId = Annotated[uuid.UUID, Path(description="Objection id")]
DECISIONS: list[str | Any] = ["decisions (四议两公开)"]


@router.get("/decisions", response_model=Page[DecisionSummary], tags=DECISIONS)
async def list_decisions(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: DecisionStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[DecisionSummary]:
    """Decisions, newest first: residents see their community's published ones, staff all of theirs."""
    return await decisions.list_decisions(db, who, page, status=status, community_id=community_id)


@router.post("/decisions", response_model=DecisionOut, status_code=201, tags=DECISIONS)
async def create_decision(body: DecisionIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Open a major matter for 四议两公开 (staff)."""
    return await idem.run(
        str(who.id), DecisionOut, lambda: decisions.create_decision(db, who, body), status_code=201
    )


@router.get("/decisions/{decision_id}", response_model=DecisionOut, tags=DECISIONS)
async def get_decision(decision_id: DecisionId, who: CurrentUser, db: DB) -> DecisionOut:
    """One decision: its steps, publication, objections (staff: all; a resident: their own), timeline."""
    return await decisions.read_decision(db, who, decision_id)


@router.post("/decisions/{decision_id}/steps", response_model=DecisionOut, tags=DECISIONS)
async def record_step(decision_id: DecisionId, body: StepIn, who: Staff, db: DB) -> DecisionOut:
    """Record the next step (党组织提议 → 两委商议 → 党员大会审议 → 居民(代表)会议决议); no skip, no repeat."""
    return await decisions.record_step(db, who, decision_id, body)


@router.post("/decisions/{decision_id}/publish", response_model=DecisionOut, tags=DECISIONS)
async def publish(decision_id: DecisionId, body: PublishIn, who: Staff, db: DB) -> DecisionOut:
    """决议公开: publish a resolved decision for N working days of objections."""
    return await publication.publish(db, who, decision_id, body)


@router.post(
    "/decisions/{decision_id}/objections", response_model=ObjectionOut, status_code=201, tags=DECISIONS
)
async def file_objection(
    decision_id: DecisionId, body: ObjectionIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """异议: a resident of the community objects during publication; staff answer within 3 working days."""
    return await idem.run(
        str(who.id),
        ObjectionOut,
        lambda: publication.file_objection(db, who, decision_id, body),
        status_code=201,
    )


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut, tags=DECISIONS)
async def answer_objection(objection_id: ObjectionId, body: AnswerIn, who: Staff, db: DB) -> ObjectionOut:
    """Answer an objection (staff); the objector is told."""
    return await publication.answer_objection(db, who, objection_id, body)


@router.post("/decisions/{decision_id}/result", response_model=DecisionOut, tags=DECISIONS)
async def publish_result(decision_id: DecisionId, body: ResultIn, who: Staff, db: DB) -> DecisionOut:
    """实施结果公开: publish the implementation result of an effective decision."""
    return await publication.publish_result(db, who, decision_id, body)


@router.post("/decisions/{decision_id}/ratings", response_model=DecisionOut, tags=DECISIONS)
async def rate(decision_id: DecisionId, body: RatingIn, who: CurrentUser, db: DB) -> DecisionOut:
    """Rate the published result 1–5 (residents of the community, once each)."""
    return await publication.rate(db, who, decision_id, body)
