"""HTTP routes of selection (遴选): eligibility, reviewers and conflicts, reviews, the vote, funding."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response

from app.core.database import DB
from app.core.exports import openapi_content
from app.core.exports import response as download
from app.identity.deps import CurrentUser, Staff
from app.platform.idempotency import IdempotencyDep
from app.projects import exports, funding, selection
from app.projects.schemas import (
    ApplicationOut,
    BallotOut,
    ConflictIn,
    ConflictOut,
    EligibilityIn,
    FundIn,
    FundingOut,
    ReviewerIn,
    ReviewerOut,
    ReviewIn,
    ReviewOut,
    VoteIn,
)

router = APIRouter()
CallId = Annotated[uuid.UUID, Path(description="Project call id")]
ApplicationId = Annotated[uuid.UUID, Path(description="Project application id")]
TAGS: list[str | Any] = ["project selection (遴选)"]


@router.post("/project-applications/{application_id}/eligibility", response_model=ApplicationOut, tags=TAGS)
async def set_eligibility(
    application_id: ApplicationId, body: EligibilityIn, who: Staff, db: DB
) -> ApplicationOut:
    """资格审查: eligible, or not with reasons (staff)."""
    return await selection.set_eligibility(db, who, application_id, body)


@router.get("/project-calls/{call_id}/reviewers", response_model=list[ReviewerOut], tags=TAGS)
async def list_reviewers(call_id: CallId, who: Staff, db: DB) -> list[ReviewerOut]:
    """The call's reviewers with how many they scored and conflicts declared (staff)."""
    return await selection.list_reviewers(db, who, call_id)


@router.post("/project-calls/{call_id}/reviewers", response_model=ReviewerOut, status_code=201, tags=TAGS)
async def add_reviewer(call_id: CallId, body: ReviewerIn, who: Staff, db: DB) -> ReviewerOut:
    """Name a reviewer: a staff member or an invited expert (staff)."""
    return await selection.add_reviewer(db, who, call_id, body)


@router.post(
    "/project-applications/{application_id}/conflicts", response_model=ConflictOut, status_code=201, tags=TAGS
)
async def declare_conflict(
    application_id: ApplicationId, body: ConflictIn, who: CurrentUser, db: DB
) -> ConflictOut:
    """利益冲突申报: a reviewer declares a conflict and will not score this application."""
    return await selection.declare_conflict(db, who, application_id, body)


@router.post(
    "/project-applications/{application_id}/reviews", response_model=ReviewOut, status_code=201, tags=TAGS
)
async def review(application_id: ApplicationId, body: ReviewIn, who: CurrentUser, db: DB) -> ReviewOut:
    """Score every criterion of an eligible application (a reviewer without a conflict), once."""
    return await selection.review(db, who, application_id, body)


@router.post("/project-calls/{call_id}/votes", response_model=BallotOut, status_code=201, tags=TAGS)
async def vote(call_id: CallId, body: VoteIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """居民投票: one ballot per resident of the community, 1..N eligible picks, in the voting window."""
    return await idem.run(
        str(who.id), BallotOut, lambda: selection.vote(db, who, call_id, body), status_code=201
    )


@router.get("/project-calls/{call_id}/ranking", response_model=FundingOut, tags=TAGS)
async def ranking(call_id: CallId, who: Staff, db: DB) -> FundingOut:
    """The ranking and what the cap funds (before funding: a preview; after: the result) (staff)."""
    return await funding.ranking(db, who, call_id)


@router.post("/project-calls/{call_id}/fund", response_model=FundingOut, tags=TAGS)
async def fund(call_id: CallId, body: FundIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """立项: fund the ranked applications within the cap, highest first, skipping what no longer fits."""
    return await idem.run(
        str(who.id), FundingOut, lambda: funding.fund(db, who, call_id, body), status_code=200
    )


@router.get(
    "/project-calls/{call_id}/export.csv",
    response_class=Response,
    responses=openapi_content("csv"),
    tags=TAGS,
)
async def export_call_csv(call_id: CallId, who: Staff, db: DB) -> Response:
    """The call's applications, ranking and money (yuan, two decimals) as CSV (staff)."""
    return await download(await exports.call_file(db, who, call_id), "csv")


@router.get(
    "/project-calls/{call_id}/export.xlsx",
    response_class=Response,
    responses=openapi_content("xlsx"),
    tags=TAGS,
)
async def export_call_xlsx(call_id: CallId, who: Staff, db: DB) -> Response:
    """The same as an Excel workbook (money cells formatted 0.00) (staff)."""
    return await download(await exports.call_file(db, who, call_id), "xlsx")
