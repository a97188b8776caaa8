"""Errors of consultation (proposals, meetings, 四议两公开): stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _

# ---------------------------------------------------------------- decisions (四议两公开)


class DecisionNotFound(NotFound):
    code = "decision_not_found"
    message = _("事项不存在或无权查看", "No such decision")


class ObjectionNotFound(NotFound):
    code = "objection_not_found"
    message = _("异议不存在或无权查看", "No such objection")


class DecisionInvalidTransition(InvalidTransition):
    message = _("该事项当前状态不允许此操作", "This decision cannot do that in its current state")


class StepSkipped(Conflict):
    code = "step_skipped"
    message = _(
        "四议须按顺序进行，不能跳过前一步",
        "The four steps go in order; the previous step has not passed",
    )


class StepAlreadyPassed(Conflict):
    code = "step_already_passed"
    message = _("该步骤已通过，不能重复", "This step has already passed and cannot be repeated")


class QuorumNotMet(Conflict):
    code = "quorum_not_met"
    message = _("实到人数未达法定人数，不能通过", "Attendance is below the quorum; the step cannot pass")


class VotesDoNotPass(Conflict):
    code = "votes_do_not_pass"
    message = _("赞成票未过半数，不能记为通过", "Fewer than half voted for; the step cannot pass")


class CannotReturnFirstStep(Conflict):
    code = "cannot_return_first_step"
    message = _("第一步没有上一步可退回", "The first step has no previous step to return to")


class InvalidAttendance(ValidationFailed):
    code = "invalid_attendance"
    message = _("实到人数或票数与应到人数不符", "Attendance or votes do not fit the members")


class InvalidStepDate(ValidationFailed):
    code = "invalid_step_date"
    message = _(
        "会议日期不能晚于今天，也不能早于上一步的日期",
        "The meeting day cannot be in the future or before the previous step's day",
    )


class PublicationTooShort(ValidationFailed):
    code = "publication_too_short"
    message = _("公示期不得短于规定天数", "The publication window is shorter than the minimum")


class PublicationClosed(Conflict):
    code = "publication_closed"
    message = _("公示期已结束，不能再提出异议", "The publication window has closed")


class NotResidentOf(Forbidden):
    code = "not_resident_of_community"
    message = _("只有本社区居民可以提出异议或评价", "Only residents of this community may do this")


class ObjectionAlreadyAnswered(Conflict):
    code = "objection_already_answered"
    message = _("该异议已答复", "This objection has already been answered")


class AlreadyRated(Conflict):
    code = "already_rated"
    message = _("您已经评价过了", "You have already rated this")
