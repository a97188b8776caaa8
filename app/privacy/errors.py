"""Errors of personal-data requests (PIPL 个人信息保护法: access and deletion)."""

from __future__ import annotations

from app.core.errors import Conflict, ValidationFailed, _


class ConfirmationMissing(ValidationFailed):
    code = "confirmation_required"
    message = _("请输入“注销”以确认注销账号", 'Type "注销" to confirm closing the account')


class HasPendingHolds(Conflict):
    code = "account_has_pending_holds"
    message = _(
        "您有尚未完成的积分预约（冻结积分），请先取消或等待完成后再注销",
        "Points are still held for a booking: cancel it or wait until it is done, then close the account",
    )


class HasRoles(Conflict):
    code = "account_has_roles"
    message = _(
        "工作人员、网格员或商户账号请联系管理员注销",
        "Staff, handler and merchant accounts are closed by an admin",
    )
