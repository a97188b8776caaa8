"""Errors of the review panel (居民评议团): stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _


class ReviewRoundNotFound(NotFound):
    code = "review_round_not_found"
    message = _("评议不存在或无权查看", "No such review round")


class PanelMemberNotFound(NotFound):
    code = "panel_member_not_found"
    message = _("评议团成员不存在", "No such panel member")


class ReviewInvalidTransition(InvalidTransition):
    message = _("评议当前状态不允许此操作", "This review round cannot do that in its current state")


class RoundNotOpen(Conflict):
    code = "review_round_not_open"
    message = _("评议未在进行中，不能打分", "The round is not open for scores")


class NotPanelMember(Forbidden):
    code = "not_panel_member"
    message = _("只有任期内的评议团成员可以打分", "Only panel members in their term may score")


class NotItemOwner(Forbidden):
    code = "not_item_owner"
    message = _("只有被评议单位或社区工作人员可以填写自评", "Only the item's owner or staff may self-assess")


class UnknownCriterion(ValidationFailed):
    code = "unknown_criterion"
    message = _("评议指标不属于这次评议", "A criterion is not part of this round or item")


class NotAResident(ValidationFailed):
    code = "not_a_resident"
    message = _("评议团成员须为本社区居民", "Panel members must be residents of the community")


class AlreadyMember(Conflict):
    code = "already_panel_member"
    message = _("该居民已在评议团任期内", "This resident already has a term on the panel then")


class ItemOwnerRequired(ValidationFailed):
    code = "review_item_owner_required"
    message = _("每个评议对象须指定责任人或单位", "Each item needs an owner (owner_user_id or owner_name)")
