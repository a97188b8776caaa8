"""HTTP routes of the holidays domain: official holiday notices (节假日安排) and the calendar's status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.holidays import service
from app.holidays.schemas import CalendarStatus, NoticeIn, NoticeOut, NoticeSummary
from app.identity.deps import Admin, Staff

router = APIRouter(tags=["calendar"])

Year = Annotated[int, Path(ge=2000, le=2100, description="The calendar year of the notice")]


@router.get("/holiday-notices", response_model=Page[NoticeSummary])
async def list_notices(who: Staff, db: DB, page: Pagination) -> Page[Any]:
    """The official holiday notices entered so far, by year (staff, admins)."""
    return await service.list_notices(db, page)


@router.get("/holiday-notices/{year}", response_model=NoticeOut)
async def get_notice(year: Year, who: Staff, db: DB) -> dict[str, Any]:
    """One year's notice with every day it names (staff, admins)."""
    return await service.get_notice(db, year)


@router.put("/holiday-notices/{year}", response_model=NoticeOut)
async def enter_notice(year: Year, body: NoticeIn, who: Admin, db: DB) -> dict[str, Any]:
    """Enter or correct a year's 国务院办公厅 holiday arrangement (admins; audited); it overrides the package."""
    return await service.enter_notice(db, who, year, body)


@router.delete("/holiday-notices/{year}", status_code=204)
async def remove_notice(year: Year, who: Admin, db: DB) -> Response:
    """Withdraw a year's notice: the year goes back to the built-in calendar (admins; audited)."""
    await service.remove_notice(db, who, year)
    return Response(status_code=204)


@router.get("/calendar/status", response_model=CalendarStatus)
async def calendar_status(who: Staff) -> dict[str, Any]:
    """Where this and next year's working days come from; a warning from 1 December if next year is unknown."""
    return service.status()
