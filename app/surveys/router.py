"""HTTP routes of surveys (问卷调查)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from app.core import exports
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.text import Text
from app.identity.deps import CurrentUser, Staff
from app.models.surveys import SurveyStatus
from app.platform.idempotency import IdempotencyDep
from app.surveys import export, reminders, responses, results, service
from app.surveys.schemas import (
    Key,
    ReceiptOut,
    ResponseIn,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
    SurveyResults,
    SurveySummary,
    TextAnswerOut,
)

router = APIRouter()
SurveyId = Annotated[uuid.UUID, Path(description="Survey id")]
TAGS: list[str | Any] = ["surveys (问卷调查)"]


@router.get("/surveys", response_model=Page[SurveySummary], tags=TAGS)
async def list_surveys(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: SurveyStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[SurveySummary]:
    """Surveys, newest first: staff see every one of their communities; residents those they are asked."""
    return await service.list_surveys(db, who, page, status=status, community_id=community_id)


@router.post("/surveys", response_model=SurveyOut, status_code=201, tags=TAGS)
async def create_survey(body: SurveyIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Write a draft survey with its questions and audience (staff)."""
    return await idem.run(
        str(who.id), SurveyOut, lambda: service.create_survey(db, who, body), status_code=201
    )


@router.get("/surveys/{survey_id}", response_model=SurveyOut, tags=TAGS)
async def get_survey(survey_id: SurveyId, who: CurrentUser, db: DB) -> SurveyOut:
    """One survey with its questions (404 outside its audience)."""
    return await service.get_survey(db, who, survey_id)


@router.patch("/surveys/{survey_id}", response_model=SurveyOut, tags=TAGS)
async def update_survey(survey_id: SurveyId, body: SurveyPatch, who: Staff, db: DB) -> SurveyOut:
    """Edit a survey; questions, audience and anonymity only while it is a draft (staff)."""
    return await service.update_survey(db, who, survey_id, body)


@router.post("/surveys/{survey_id}/publish", response_model=SurveyOut, tags=TAGS)
async def publish(survey_id: SurveyId, who: Staff, db: DB) -> SurveyOut:
    """发布: open the survey to its audience; its questions freeze (staff)."""
    return await service.publish(db, who, survey_id)


@router.post("/surveys/{survey_id}/close", response_model=SurveyOut, tags=TAGS)
async def close(survey_id: SurveyId, who: Staff, db: DB) -> SurveyOut:
    """结束: take no more answers (staff)."""
    return await service.close(db, who, survey_id)


@router.post("/surveys/{survey_id}/archive", response_model=SurveyOut, tags=TAGS)
async def archive(survey_id: SurveyId, who: Staff, db: DB) -> SurveyOut:
    """归档: a closed survey leaves residents' lists (staff)."""
    return await service.archive(db, who, survey_id)


@router.post("/surveys/{survey_id}/responses", response_model=ReceiptOut, status_code=201, tags=TAGS)
async def respond(
    survey_id: SurveyId, body: ResponseIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Answer (a resident), or enter a paper/phone/door answer for one (`on_behalf_of`, `channel`)."""
    return await idem.run(
        str(who.id), ReceiptOut, lambda: responses.submit(db, who, survey_id, body), status_code=201
    )


@router.get("/surveys/{survey_id}/results", response_model=SurveyResults, tags=TAGS)
async def get_results(
    survey_id: SurveyId,
    who: CurrentUser,
    db: DB,
    grid_id: uuid.UUID | None = None,
    building_id: uuid.UUID | None = None,
) -> SurveyResults:
    """Tallies, percentages, means, coverage by grid and building (staff; the audience once published)."""
    return await results.results(db, who, survey_id, grid_id=grid_id, building_id=building_id)


@router.get("/surveys/{survey_id}/results/text", response_model=Page[TextAnswerOut], tags=TAGS)
async def get_text_answers(
    survey_id: SurveyId,
    who: CurrentUser,
    db: DB,
    page: Pagination,
    question: Annotated[Key | None, Query(description="The text question's key (default: the first)")] = None,
    q: Annotated[Text | None, Query(max_length=100, description="Only answers containing this")] = None,
) -> Page[TextAnswerOut]:
    """Free-text answers of one question, paged and searchable."""
    return await results.text_answers(db, who, survey_id, question, page, q)


@router.get(
    "/surveys/{survey_id}/export", response_class=Response, responses=exports.openapi_content(), tags=TAGS
)
async def export_responses(
    survey_id: SurveyId, who: Staff, db: DB, format: exports.Format = "csv"
) -> Response:
    """Every response, one row each, as CSV or XLSX (anonymised for anonymous surveys; staff)."""
    return await exports.response(await export.export_of(db, who, survey_id), format)


@router.post("/surveys/{survey_id}/results/publish", response_model=SurveyOut, tags=TAGS)
async def publish_results(survey_id: SurveyId, who: Staff, db: DB) -> SurveyOut:
    """公布结果: the audience may read the results of a closed survey; those who answered are told."""
    return await reminders.publish_results(db, who, survey_id)


@router.post("/surveys/{survey_id}/remind", response_model=SurveyOut, tags=TAGS)
async def remind(survey_id: SurveyId, who: Staff, db: DB) -> SurveyOut:
    """提醒: notify the audience who have not answered (inbox + subscribe message), once a day (staff)."""
    return await reminders.remind(db, who, survey_id)
