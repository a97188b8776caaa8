"""Errors of rectification items (整改): stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, _


class RectificationNotFound(NotFound):
    code = "rectification_not_found"
    message = _("整改事项不存在或无权查看", "No such rectification item")


class RectificationClosed(Conflict):
    code = "rectification_closed"
    message = _("该整改事项已办结", "This rectification item is already closed")


class NotRectificationOwner(Forbidden):
    code = "not_rectification_owner"
    message = _("只有社区工作人员或整改责任人可以填写进展", "Only staff or the item's owner may do this")


class RectificationOwnerRequired(ValidationFailed):
    code = "rectification_owner_required"
    message = _("整改事项须指定责任人", "A rectification item needs an owner")


class InvalidDeadline(ValidationFailed):
    code = "invalid_rectification_deadline"
    message = _("整改期限须为 1 到 250 个工作日", "The deadline must be 1 to 250 working days")
