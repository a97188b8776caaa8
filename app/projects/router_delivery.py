"""HTTP routes of funded projects: the public page, execution, questions, follows (and acceptance)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from app.core import photos
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.project_delivery import ProjectStatus
from app.platform.idempotency import IdempotencyDep
from app.projects import acceptance, execution, public
from app.projects.config import rules
from app.projects.schemas_delivery import (
    AcceptanceIn,
    AcceptanceOut,
    AnswerIn,
    BudgetChangeIn,
    BudgetChangeOut,
    PhotoOut,
    ProjectLinkIn,
    ProjectOut,
    ProjectSummary,
    QuestionIn,
    QuestionOut,
    SpendingIn,
    SpendingOut,
    UpdateIn,
)

router = APIRouter()
ProjectId = Annotated[uuid.UUID, Path(description="Project id")]
TAGS: list[str | Any] = ["projects (项目实施与公开)"]


@router.get("/projects", response_model=Page[ProjectSummary], tags=TAGS)
async def list_projects(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    call_id: uuid.UUID | None = None,
    status: ProjectStatus | None = None,
    following: bool = False,
) -> Page[ProjectSummary]:
    """Funded projects of the caller's community, newest first (one call's, or those followed)."""
    return await public.list_projects(db, who, page, call_id=call_id, status=status, following=following)


@router.get("/projects/{project_id}", response_model=ProjectOut, tags=TAGS)
async def get_project(project_id: ProjectId, who: CurrentUser, db: DB) -> ProjectOut:
    """The public page: status, milestones done, spent vs budget, expenses, photos, grade, questions."""
    return await public.get_project(db, who, project_id)


@router.post("/projects/{project_id}/spending", response_model=SpendingOut, status_code=201, tags=TAGS)
async def record_spending(
    project_id: ProjectId, body: SpendingIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Record an expense against a budget line (the team or staff); never past what the line has left."""
    return await idem.run(
        str(who.id),
        SpendingOut,
        lambda: execution.record_spending(db, who, project_id, body),
        status_code=201,
    )


@router.post(
    "/projects/{project_id}/budget-changes", response_model=BudgetChangeOut, status_code=201, tags=TAGS
)
async def request_change(
    project_id: ProjectId, body: BudgetChangeIn, who: CurrentUser, db: DB
) -> BudgetChangeOut:
    """Ask for more on a budget line (the team or staff); staff approve it."""
    return await execution.request_change(db, who, project_id, body)


@router.post("/project-budget-changes/{change_id}/approve", response_model=BudgetChangeOut, tags=TAGS)
async def approve_change(change_id: uuid.UUID, who: Staff, db: DB) -> BudgetChangeOut:
    """Approve a budget change: the line, the project and the call's total rise, within the cap (staff)."""
    return await execution.decide_change(db, who, change_id, True)


@router.post("/project-budget-changes/{change_id}/reject", response_model=BudgetChangeOut, tags=TAGS)
async def reject_change(change_id: uuid.UUID, who: Staff, db: DB) -> BudgetChangeOut:
    """Reject a budget change (staff)."""
    return await execution.decide_change(db, who, change_id, False)


@router.post("/projects/{project_id}/updates", response_model=ProjectOut, status_code=201, tags=TAGS)
async def post_update(project_id: ProjectId, body: UpdateIn, who: CurrentUser, db: DB) -> ProjectOut:
    """A progress update, optionally completing a milestone (the team or staff); followers are told."""
    return await execution.post_update(db, who, project_id, body)


@router.post("/projects/{project_id}/photos", response_model=PhotoOut, status_code=201, tags=TAGS)
async def add_photo(
    project_id: ProjectId,
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 10 MB")],
    update_id: Annotated[uuid.UUID | None, Form()] = None,
) -> PhotoOut:
    """Add a progress photo (re-encoded without EXIF, thumbnailed) (the team or staff)."""
    raw = await file.read(rules().photo_max_bytes + 1)
    return await execution.add_photo(db, who, storage, project_id, raw, update_id)


@router.get(
    "/projects/{project_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
    tags=TAGS,
)
async def read_photo(
    project_id: ProjectId,
    photo_id: uuid.UUID,
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
    thumbnail: Annotated[bool, Query()] = False,
) -> Response:
    """A project photo (or its thumbnail), for anyone who may see the project."""
    data, content_type = await public.read_photo(db, who, storage, project_id, photo_id, thumbnail)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/projects/{project_id}/links", response_model=ProjectOut, tags=TAGS)
async def link(project_id: ProjectId, body: ProjectLinkIn, who: Staff, db: DB) -> ProjectOut:
    """Link a bookings service or volunteer activity the project runs (participants are counted) (staff)."""
    return await execution.link(db, who, project_id, body)


@router.post("/projects/{project_id}/questions", response_model=QuestionOut, status_code=201, tags=TAGS)
async def ask(project_id: ProjectId, body: QuestionIn, who: CurrentUser, db: DB) -> QuestionOut:
    """A resident of the community asks about the project; staff answer."""
    return await public.ask(db, who, project_id, body)


@router.post("/project-questions/{question_id}/answer", response_model=QuestionOut, tags=TAGS)
async def answer(question_id: uuid.UUID, body: AnswerIn, who: Staff, db: DB) -> QuestionOut:
    """Answer a resident's question (staff); the asker is told."""
    return await public.answer(db, who, question_id, body)


@router.post("/projects/{project_id}/follow", response_model=ProjectOut, tags=TAGS)
async def follow(project_id: ProjectId, who: CurrentUser, db: DB) -> ProjectOut:
    """Follow (关注) a project: its progress and acceptance reach your inbox."""
    return await public.follow(db, who, project_id, True)


@router.delete("/projects/{project_id}/follow", response_model=ProjectOut, tags=TAGS)
async def unfollow(project_id: ProjectId, who: CurrentUser, db: DB) -> ProjectOut:
    """Stop following a project."""
    return await public.follow(db, who, project_id, False)


@router.post("/projects/{project_id}/acceptance", response_model=AcceptanceOut, status_code=201, tags=TAGS)
async def accept(
    project_id: ProjectId, body: AcceptanceIn, who: Staff, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """验收: indicators, reviewers' score, satisfaction → grade; under the bar opens rectification items."""
    return await idem.run(
        str(who.id), AcceptanceOut, lambda: acceptance.accept(db, who, project_id, body), status_code=201
    )
