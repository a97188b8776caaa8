"""Errors of the tickets domain: stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    Unauthorized,
    ValidationFailed,
    _,
)


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message = _("工单不存在或无权查看", "No such ticket")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = _("工单分类不存在", "No such ticket category")


class ExtensionNotFound(NotFound):
    code = "extension_not_found"
    message = _("延期申请不存在", "No such extension request")


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message = _("附件不存在", "No such attachment")


class TicketInvalidTransition(InvalidTransition):
    message = _("工单当前状态不允许此操作", "This ticket cannot do that in its current state")


class NotYourTicket(Forbidden):
    code = "not_ticket_handler"
    message = _("只有被指派的处理人可以执行此操作", "Only the assigned handler may do this")


class NotReporter(Forbidden):
    code = "not_ticket_reporter"
    message = _("只有工单提交人可以执行此操作", "Only the reporter may do this")


class ChannelNotAllowed(Forbidden):
    code = "channel_not_allowed"
    message = _("您不能通过该渠道提交工单", "You may not file a ticket through this channel")


class CategoryNameTaken(Conflict):
    code = "category_name_taken"
    message = _("该社区已有同名分类", "This community already has a category with that name")


class InvalidDepartment(ValidationFailed):
    code = "invalid_department"
    message = _("部门不属于该社区", "The department does not belong to this community")


class InvalidAssignee(ValidationFailed):
    code = "invalid_assignee"
    message = _("处理人不是该社区的网格员或部门人员", "The assignee is not a handler in this community")


class InvalidResident(ValidationFailed):
    code = "invalid_resident"
    message = _("代办对象不是本社区居民", "on_behalf_of is not a resident of this community")


class CannotMergeIntoItself(ValidationFailed):
    code = "merge_into_itself"
    message = _("不能将工单合并到自身", "A ticket cannot be merged into itself")


class MergeTargetInvalid(ValidationFailed):
    code = "merge_target_invalid"
    message = _("合并目标不是本社区的工单", "into_id is not a ticket of the same community")


class MergeTargetClosed(Conflict):
    code = "merge_target_closed"
    message = _(
        "合并目标工单已办结、不予受理或已被合并", "The surviving ticket is already closed, rejected or merged"
    )


class ExtensionAlreadyDecided(Conflict):
    code = "extension_decided"
    message = _("该延期申请已处理", "This extension request was already decided")


class ExtensionPending(Conflict):
    code = "extension_pending"
    message = _("已有待审批的延期申请", "An extension request is already pending")


class ExtensionUntilTooEarly(ValidationFailed):
    code = "extension_until_too_early"
    message = _("延期时间须晚于当前期限", "until must be later than the current deadline")


class TooManyAttachments(Conflict):
    code = "too_many_attachments"
    message = _("每个工单最多上传 9 张图片", "A ticket holds at most 9 photos")


class AttachmentTooLarge(ValidationFailed):
    status = 413
    code = "attachment_too_large"
    message = _("图片不能超过 10 MB", "A photo may be at most 10 MB")


class ImageTooLarge(ValidationFailed):
    code = "image_too_large"
    message = _(
        "图片像素过大（最多 1600 万像素），请用手机相机直接拍摄",
        "The image has too many pixels (at most 16 megapixels)",
    )


class NotAnImage(ValidationFailed):
    code = "not_an_image"
    message = _("只能上传 JPEG、PNG 或 WebP 图片", "Only JPEG, PNG or WebP images are accepted")


class Open311KeyInvalid(Unauthorized):
    code = "api_key_invalid"
    message = _("api_key 无效", "The api_key is invalid")
