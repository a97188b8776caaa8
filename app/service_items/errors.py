"""Errors of service items and office hours: stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _


class ItemNotFound(NotFound):
    code = "service_item_not_found"
    message = _("事项不存在或无权查看", "No such service item")


class RequestNotFound(NotFound):
    code = "service_request_not_found"
    message = _("办件不存在或无权查看", "No such application")


class OfficeHoursNotFound(NotFound):
    code = "office_hours_not_found"
    message = _("驻点服务不存在或无权查看", "No such office hours")


class QueueNumberNotFound(NotFound):
    code = "queue_number_not_found"
    message = _("排队号不存在", "No such queue number")


class ItemCodeTaken(Conflict):
    code = "service_item_code_taken"
    message = _("本社区已有相同编码的事项", "This community already has an item with that code")


class InvalidDepartment(ValidationFailed):
    code = "invalid_department"
    message = _("办理部门须为本社区的部门", "The department must be a department of this community")


class InvalidMaterial(ValidationFailed):
    code = "invalid_material"
    message = _("材料不在该事项的材料清单中", "That material is not on the item's checklist")


class ChannelNotOffered(Conflict):
    code = "channel_not_offered"
    message = _("该事项不支持此办理渠道", "This item is not offered through that channel")


class ItemInactive(Conflict):
    code = "service_item_inactive"
    message = _("该事项已停办", "This item is no longer offered")


class RequestInvalidTransition(InvalidTransition):
    message = _("办件当前状态不允许此操作", "This application cannot do that in its current state")


class ConsentRequired(Conflict):
    code = "consent_required"
    message = _(
        "代办须经居民本人同意（居民在小程序确认，或工作人员登记已签署的委托书）",
        "Acting on a resident's behalf needs their consent (confirmed in the app, or a signed form noted by staff)",
    )


class NotAnAgent(Forbidden):
    code = "not_an_agent"
    message = _("只有代办员或工作人员可以代为申请", "Only a 代办员 or staff may apply on someone's behalf")


class InvalidResident(ValidationFailed):
    code = "invalid_resident"
    message = _("该居民不属于本社区", "That resident is not of this community")


class NotApplicant(Forbidden):
    code = "not_applicant"
    message = _("只有办件的申请人可以执行此操作", "Only the applicant may do this")


class NotDepartment(Forbidden):
    code = "not_department"
    message = _(
        "只有办理部门或本社区工作人员可以执行此操作", "Only the handling department or staff may do this"
    )


class NotFrontDesk(Forbidden):
    code = "not_front_desk"
    message = _(
        "只有受理人、申请人或本社区工作人员可以登记材料",
        "Only whoever took it in, the applicant or staff may do this",
    )


class HandoverNotAllowed(Conflict):
    code = "handover_not_allowed"
    message = _(
        "只有代办的办件可以由代办员转交", "Only an application taken by a 代办员 can be handed over by them"
    )


class AlreadyRated(Conflict):
    code = "already_rated"
    message = _("已经评价过了", "Already rated")


class ImportInvalid(ValidationFailed):
    code = "import_invalid"
    message = _("导入文件有误，未导入任何事项", "The file has errors; nothing was imported")


class ImportTooLarge(ValidationFailed):
    code = "import_too_large"
    message = _("导入文件过大", "The import file is too large")


class InvalidSchedule(ValidationFailed):
    code = "invalid_schedule"
    message = _("排班规则无效", "The schedule is invalid")


class NoSessionToday(Conflict):
    code = "no_session_today"
    message = _("今天没有驻点服务", "There are no office hours today")


class SessionOver(Conflict):
    code = "session_over"
    message = _("今天的驻点服务已结束", "Today's office hours are over")


class QueueEmpty(Conflict):
    code = "queue_empty"
    message = _("没有等候的号码", "Nobody is waiting")


class NotOfficial(Forbidden):
    code = "not_official"
    message = _(
        "只有驻点人员或本社区工作人员可以执行此操作",
        "Only the official or this community's staff may do this",
    )


class NotStaff(Forbidden):
    code = "not_community_staff"
    message = _("只有本社区工作人员可以执行此操作", "Only this community's staff may do this")
