"""Errors of the bookings domain: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from app.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed, _


class BookingNotFound(NotFound):
    code = "booking_not_found"
    message = _("预约不存在或无权查看", "Booking not found")


class BookingServiceNotFound(NotFound):
    code = "booking_service_not_found"
    message = _("预约服务不存在或无权查看", "Bookable service not found")


class SlotNotFound(NotFound):
    code = "slot_not_found"
    message = _("预约时段不存在或无权查看", "Slot not found")


class ResidentNotFound(NotFound):
    code = "resident_not_found"
    message = _("居民不存在或不在您的社区", "Resident not found in your communities")


class SlotFull(Conflict):
    code = "slot_full"
    message = _("该时段已约满", "This slot is full")


class SlotNotOpen(Conflict):
    code = "slot_not_open"
    message = _("该时段已关闭或取消，不能预约", "This slot is closed or cancelled")


class BookingNotOpenYet(Conflict):
    code = "booking_not_open"
    message = _("该时段尚未开放预约", "Booking for this slot has not opened yet")


class BookingClosed(Conflict):
    code = "booking_closed"
    message = _("该时段已截止预约", "Booking for this slot has closed")


class AlreadyBooked(Conflict):
    code = "already_booked"
    message = _("您已预约该时段", "You already have a booking for this slot")


class QuotaExceeded(Conflict):
    code = "quota_exceeded"
    message = _("已达到该服务的预约次数上限", "You have reached this service's booking quota")


class NotEligible(Forbidden):
    code = "not_eligible"
    message = _("不符合该服务的预约条件", "You are not eligible for this service")


class BookingSuspended(Forbidden):
    code = "booking_suspended"
    message = _("因多次爽约，暂停自助预约", "Self-booking is suspended after repeated no-shows")


class ServiceInactive(Conflict):
    code = "service_inactive"
    message = _("该服务已停用", "This service is not active")


class CancelTooLate(Conflict):
    code = "cancel_too_late"
    message = _("已过取消截止时间，请联系社区工作人员", "Too late to cancel; please contact the centre staff")


class CheckInNotOpen(Conflict):
    code = "check_in_not_open"
    message = _("尚未到签到时间", "Check-in has not opened for this slot yet")


class InvalidBookingCode(DomainError):
    status = 404
    code = "invalid_booking_code"
    message = _("预约码无效", "The booking code is invalid")


class InvalidSchedule(ValidationFailed):
    code = "invalid_schedule"
    message = _("排班设置有误", "The schedule is invalid")
