"""HTTP routes of the bookings domain (服务预约)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from app.bookings import booking, catalogue, reports, rules
from app.bookings.schemas import (
    BookingCodeOut,
    BookingIn,
    BookingOut,
    CancelIn,
    CheckInIn,
    DaySchedule,
    ExportFormat,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SlotCancelIn,
    SlotOut,
    SlotsCreated,
    SlotsIn,
    StatsOut,
    SuspensionOut,
)
from app.core import exports
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.text import Text
from app.identity.deps import CurrentUser, Staff
from app.models.bookings import BookingStatus
from app.platform.idempotency import IdempotencyDep

router = APIRouter(tags=["bookings"])


# ---------------------------------------------------------------- services


@router.get("/services", response_model=Page[ServiceOut])
async def list_services(
    who: CurrentUser,
    db: DB,
    params: Pagination,
    community_id: uuid.UUID | None = None,
    category: Annotated[Text | None, Query(max_length=50)] = None,
    include_inactive: bool = False,
) -> Page[ServiceOut]:
    """Bookable services of your community (or of `community_id`), by name."""
    return await catalogue.list_services(
        db, who, params, community_id=community_id, category=category, include_inactive=include_inactive
    )


@router.post("/services", response_model=ServiceOut, status_code=201)
async def create_service(body: ServiceIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Create a bookable service with its rules and price (staff)."""
    return await idem.run(str(who.id), ServiceOut, lambda: catalogue.create_service(db, who, body))


@router.get("/services/{service_id}", response_model=ServiceOut)
async def get_service(service_id: uuid.UUID, who: CurrentUser, db: DB) -> ServiceOut:
    """One service with its rules."""
    return await catalogue.get_service(db, who, service_id)


@router.patch("/services/{service_id}", response_model=ServiceOut)
async def update_service(service_id: uuid.UUID, body: ServicePatch, who: Staff, db: DB) -> ServiceOut:
    """Change a service's details, rules or price; `active: false` withdraws it (staff)."""
    return await catalogue.update_service(db, who, service_id, body)


# ---------------------------------------------------------------- slots


@router.get("/services/{service_id}/slots", response_model=list[SlotOut])
async def list_slots(
    service_id: uuid.UUID,
    who: CurrentUser,
    db: DB,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> list[SlotOut]:
    """Slots of a service between `from` and `to` (default: the bookable window) with `remaining` places."""
    return await catalogue.list_slots(db, who, service_id, start=start, end=end)


@router.post("/services/{service_id}/slots", response_model=SlotsCreated, status_code=201)
async def create_slots(
    service_id: uuid.UUID, body: SlotsIn, who: Staff, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Create slots one by one or from a weekly schedule over a date range, skipping public holidays."""
    return await idem.run(
        str(who.id), SlotsCreated, lambda: catalogue.create_slots(db, who, service_id, body)
    )


@router.post("/slots/{slot_id}/close", response_model=SlotOut)
async def close_slot(slot_id: uuid.UUID, who: Staff, db: DB) -> SlotOut:
    """Stop taking bookings for a slot; existing bookings stand (staff)."""
    return await catalogue.close_slot(db, who, slot_id)


@router.post("/slots/{slot_id}/cancel", response_model=SlotOut)
async def cancel_slot(slot_id: uuid.UUID, body: SlotCancelIn, who: Staff, db: DB) -> SlotOut:
    """Cancel a slot: every booking is cancelled, refunded and told (staff)."""
    return await catalogue.cancel_slot(db, who, slot_id, body.reason)


# ---------------------------------------------------------------- staff views (before /bookings/{id})


@router.get("/bookings/schedule", response_model=DaySchedule)
async def day_schedule(
    who: Staff,
    db: DB,
    day: Annotated[date | None, Query(alias="date")] = None,
    service_id: uuid.UUID | None = None,
    location: Annotated[Text | None, Query(max_length=200)] = None,
) -> DaySchedule:
    """A day's slots with their attendees, per service and location (staff; default today)."""
    return await reports.day_schedule(db, who, day=day, service_id=service_id, location=location)


@router.get("/bookings/stats", response_model=StatsOut)
async def stats(
    who: Staff,
    db: DB,
    from_date: Annotated[date | None, Query(alias="from")] = None,
    to_date: Annotated[date | None, Query(alias="to")] = None,
    service_id: uuid.UUID | None = None,
) -> StatsOut:
    """Utilisation and no-show rates per service and week (staff)."""
    return await reports.stats(db, who, from_date=from_date, to_date=to_date, service_id=service_id)


@router.get(
    "/bookings/stats/export",
    response_class=Response,
    responses=exports.openapi_content("csv", "xlsx"),
)
async def export_stats(
    who: Staff,
    db: DB,
    format: ExportFormat = "csv",
    from_date: Annotated[date | None, Query(alias="from")] = None,
    to_date: Annotated[date | None, Query(alias="to")] = None,
    service_id: uuid.UUID | None = None,
) -> Response:
    """The weekly statistics as CSV or XLSX (staff)."""
    export = await reports.export_stats(
        db, who, fmt=format, from_date=from_date, to_date=to_date, service_id=service_id
    )
    return await exports.response(export, format)


@router.get("/bookings/suspension", response_model=SuspensionOut)
async def my_suspension(who: CurrentUser, db: DB) -> SuspensionOut:
    """Whether your self-booking is suspended for no-shows, and when it lifts."""
    return await rules.suspension_of(db, who)


@router.post("/bookings/check-in", response_model=BookingOut)
async def check_in_by_code(body: CheckInIn, who: Staff, db: DB) -> BookingOut:
    """Check a resident in by the booking code they show (staff scan)."""
    return await booking.check_in(db, who, code=body.code)


# ---------------------------------------------------------------- bookings


@router.post("/bookings", response_model=BookingOut, status_code=201)
async def book(body: BookingIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Book a slot (staff may book for a resident): confirmed, waitlisted or pending_approval; 409 slot_full."""
    return await idem.run(str(who.id), BookingOut, lambda: booking.book(db, who, body))


@router.get("/bookings", response_model=Page[BookingOut])
async def list_bookings(
    who: CurrentUser,
    db: DB,
    params: Pagination,
    mine: bool = False,
    status: BookingStatus | None = None,
    service_id: uuid.UUID | None = None,
    slot_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> Page[BookingOut]:
    """Your bookings; staff see their communities' bookings (filters) unless `mine=true`."""
    return await booking.list_bookings(
        db,
        who,
        params,
        mine=mine,
        status=status,
        service_id=service_id,
        slot_id=slot_id,
        user_id=user_id,
        start=start,
        end=end,
    )


@router.get("/bookings/{booking_id}", response_model=BookingOut)
async def get_booking(booking_id: uuid.UUID, who: CurrentUser, db: DB) -> BookingOut:
    """One booking (yours, or your community's for staff)."""
    return await booking.get_booking(db, who, booking_id)


@router.get("/bookings/{booking_id}/code", response_model=BookingCodeOut)
async def booking_code(booking_id: uuid.UUID, who: CurrentUser, db: DB) -> BookingCodeOut:
    """The booking code to show at check-in, as text and as a QR image."""
    return await reports.booking_code(db, who, booking_id)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut)
async def cancel(booking_id: uuid.UUID, who: CurrentUser, db: DB, body: CancelIn | None = None) -> BookingOut:
    """Cancel a booking (owner before the cut-off, staff any time); the first waiter is promoted."""
    return await booking.cancel(db, who, booking_id, body or CancelIn())


@router.post("/bookings/{booking_id}/approve", response_model=BookingOut)
async def approve(booking_id: uuid.UUID, who: Staff, db: DB) -> BookingOut:
    """Approve a booking awaiting approval (staff)."""
    return await booking.approve(db, who, booking_id)


@router.post("/bookings/{booking_id}/check-in", response_model=BookingOut)
async def check_in(booking_id: uuid.UUID, who: Staff, db: DB) -> BookingOut:
    """Check a resident in by hand (staff)."""
    return await booking.check_in(db, who, booking_id=booking_id)
