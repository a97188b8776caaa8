"""Errors of the volunteering domain (activities and mutual aid)."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _


class ActivityNotFound(NotFound):
    code = "activity_not_found"
    message = _("活动不存在或无权查看", "Activity not found")


class ActivityFull(Conflict):
    code = "activity_full"
    message = _("活动名额已满", "The activity is full")


class SignupClosed(Conflict):
    code = "signup_closed"
    message = _("报名已截止", "Sign-up for this activity has closed")


class AlreadySignedUp(Conflict):
    code = "already_signed_up"
    message = _("您已报名该活动", "You have already signed up")


class NotSignedUp(Forbidden):
    code = "not_signed_up"
    message = _("您未报名该活动", "You have not signed up for this activity")


class WithdrawClosed(Conflict):
    code = "withdraw_closed"
    message = _("活动已开始或已签到，不能取消报名", "The activity has started or you have checked in")


class OutsideWindow(Conflict):
    code = "outside_window"
    message = _("不在签到/签退时间内", "Outside the check-in/check-out window")


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    message = _("已签到", "Already checked in")


class NotCheckedIn(Conflict):
    code = "not_checked_in"
    message = _("请先签到", "Check in first")


class AlreadyCheckedOut(Conflict):
    code = "already_checked_out"
    message = _("已签退", "Already checked out")


class CodeInvalid(ValidationFailed):
    code = "code_invalid"
    message = _("签到码无效", "The check-in code is not valid for this activity")


class CodeExpired(ValidationFailed):
    code = "code_expired"
    message = _("签到码已过期，请扫描最新的码", "The check-in code has expired; scan the current one")


class AlreadySettled(Conflict):
    code = "already_settled"
    message = _("活动已结算", "This activity has already been settled")


class CapacityBelowSignups(Conflict):
    code = "capacity_below_signups"
    message = _("名额不能少于已报名人数", "Capacity cannot be below the current sign-ups")


class BadTimes(ValidationFailed):
    code = "invalid_times"
    message = _("时间不合理", "The times are inconsistent")


class ActivityInvalidTransition(InvalidTransition):
    message = _("活动当前状态不允许此操作", "The activity cannot do that in its current state")


class HelpNotFound(NotFound):
    code = "help_not_found"
    message = _("互助需求不存在或无权查看", "Help request not found")


class HelpInvalidTransition(InvalidTransition):
    message = _("互助需求当前状态不允许此操作", "The help request cannot do that in its current state")


class CannotTakeOwn(Conflict):
    code = "cannot_take_own"
    message = _("不能接自己发布的互助需求", "You cannot take your own request")


class NotRequester(Forbidden):
    code = "not_requester"
    message = _("只有发布人可以执行此操作", "Only the requester can do this")


class NotParticipant(Forbidden):
    code = "not_participant"
    message = _("只有发布人或帮助人可以执行此操作", "Only the requester or the helper can do this")


class NoCommunity(Conflict):
    code = "no_community"
    message = _("请先加入社区", "Join a community first")


class SubsidyBudgetExhausted(Conflict):
    """extra: budget ("community" or "elder") and its monthly_minutes."""

    code = "subsidy_budget_exhausted"
    message = _(
        "本月社区互助补贴额度已用完，请联系社区工作人员",
        "This month's mutual-aid subsidy budget is used up; please contact community staff",
    )


class BackfillTooOld(ValidationFailed):
    """extra: backfill_days."""

    code = "backfill_too_old"
    message = _("补录只能补录近期已结束的活动", "Only a recently held activity can be recorded afterwards")


class BackfillNotPast(ValidationFailed):
    code = "backfill_not_past"
    message = _("补录的活动必须已经结束", "A back-filled activity must have ended already")


class BackfillDuplicate(Conflict):
    """extra: activity_id of the activity already recorded."""

    code = "activity_already_recorded"
    message = _(
        "同一时间、同名的活动已经录入，不能重复补录",
        "An activity with this title and start has already been recorded",
    )


class BackfillBadAttendee(ValidationFailed):
    """extra: user_id."""

    code = "backfill_bad_attendee"
    message = _(
        "签到名单中有不属于本社区的人员或重复的人员",
        "The sign-in sheet lists someone twice or someone outside this community",
    )
