"""Errors of the notifications domain."""

from __future__ import annotations

from app.core.errors import NotFound, ValidationFailed, _


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    message = _("通知不存在", "Notification not found")


class UnknownTemplate(ValidationFailed):
    code = "unknown_template"
    message = _("未配置的订阅消息模板", "This subscribe-message template is not configured")
