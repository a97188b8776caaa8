"""Errors of the holidays domain (official holiday notices)."""

from __future__ import annotations

from app.core.errors import NotFound, ValidationFailed, _


class NoticeNotFound(NotFound):
    code = "holiday_notice_not_found"
    message = _("该年度的节假日安排尚未录入", "No holiday notice has been entered for that year")


class NoticeInvalid(ValidationFailed):
    """extra: day (the offending date), when there is one."""

    code = "holiday_notice_invalid"
    message = _("节假日安排有误", "The holiday notice is inconsistent")
