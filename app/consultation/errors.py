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


# ---------------------------------------------------------------- proposals (群众下单)


class ProposalNotFound(NotFound):
    code = "proposal_not_found"
    message = _("议事提议不存在或无权查看", "No such proposal")


class ProposalPhotoNotFound(NotFound):
    code = "proposal_photo_not_found"
    message = _("照片不存在", "No such photo")


class ProposalInvalidTransition(InvalidTransition):
    message = _("该提议当前状态不允许此操作", "This proposal cannot do that in its current state")


class NotSupportable(Conflict):
    code = "proposal_not_supportable"
    message = _("该提议已处理完毕，不能再支持", "This proposal is no longer open for support")


class AlreadySupported(Conflict):
    code = "already_supported"
    message = _("您已经支持过这条提议", "You already support this proposal")


class NotSupported(Conflict):
    code = "not_supported"
    message = _("您还没有支持这条提议", "You do not support this proposal")


class OwnProposal(Conflict):
    code = "own_proposal"
    message = _("不能支持自己提出的提议", "You cannot support your own proposal")


class NotProposalAuthor(Forbidden):
    code = "not_proposal_author"
    message = _("只有提议人可以这样做", "Only the proposal's author may do this")


class NotAResident(Forbidden):
    code = "not_a_resident"
    message = _("请先加入社区，再提出或支持提议", "Join a community before proposing or supporting")


class MergeTargetInvalid(Conflict):
    code = "merge_target_invalid"
    message = _(
        "只能合并到本社区另一条待受理或已列入议题的提议",
        "Merge only into another open or accepted proposal of the same community",
    )


class TriageFieldMissing(ValidationFailed):
    code = "triage_field_missing"
    message = _("请填写该处理方式所需的内容", "This triage action needs more fields")


class TooManyPhotos(Conflict):
    code = "too_many_attachments"
    message = _("每条提议最多上传 9 张图片", "A proposal holds at most 9 photos")


class PhotoTooLarge(ValidationFailed):
    status = 413
    code = "attachment_too_large"
    message = _("图片不能超过 10 MB", "A photo may be at most 10 MB")


class PhotoTooManyPixels(ValidationFailed):
    code = "image_too_large"
    message = _(
        "图片像素过大（最多 1600 万像素），请用手机相机直接拍摄",
        "The image has too many pixels (at most 16 megapixels)",
    )


class NotAnImage(ValidationFailed):
    code = "not_an_image"
    message = _("只能上传 JPEG、PNG 或 WebP 图片", "Only JPEG, PNG or WebP images are accepted")


# ---------------------------------------------------------------- meetings (协商议事)


class MeetingNotFound(NotFound):
    code = "meeting_not_found"
    message = _("议事会不存在或无权查看", "No such meeting")


class TopicNotFound(NotFound):
    code = "topic_not_found"
    message = _("议题不存在", "No such topic on this meeting")


class MeetingInvalidTransition(InvalidTransition):
    message = _("议事会当前状态不允许此操作", "This meeting cannot do that in its current state")


class BadMeetingTimes(ValidationFailed):
    code = "bad_meeting_times"
    message = _(
        "结束时间须晚于开始时间，开始时间须在将来", "The end must follow the start, and the start be ahead"
    )


class ProposalNotAccepted(Conflict):
    code = "proposal_not_accepted"
    message = _(
        "只有已列入议题的提议可以排入议事会", "Only a proposal accepted onto the agenda can be a topic"
    )


class MeetingFull(Conflict):
    code = "meeting_full"
    message = _("旁听席位已满", "Every open seat is taken")


class AlreadyRegistered(Conflict):
    code = "already_registered"
    message = _("您已报名参加", "You are already registered")


class NotRegistered(Conflict):
    code = "not_registered"
    message = _("您没有报名这次议事会", "You are not registered for this meeting")


class RegistrationClosed(Conflict):
    code = "registration_closed"
    message = _("议事会已开始，报名已截止", "The meeting has started; registration is closed")


class OutsideCheckinWindow(Conflict):
    code = "outside_window"
    message = _("现在不在签到时间内", "Check-in is not open now")


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    message = _("您已经签到", "You have already checked in")


class CodeInvalid(ValidationFailed):
    code = "code_invalid"
    message = _("签到码无效", "The check-in code is not valid for this meeting")


class CodeExpired(ValidationFailed):
    code = "code_expired"
    message = _("签到码已过期，请扫描最新的码", "The check-in code has expired; scan the current one")


class AttendeeRequired(ValidationFailed):
    code = "attendee_required"
    message = _("请指定居民，或填写参会人姓名和单位", "Give a resident, or an attendee's name and party")


class MeetingNotStarted(Conflict):
    code = "meeting_not_started"
    message = _("议事会尚未开始，不能形成纪要", "The meeting has not started; no minutes yet")


class MinutesIncomplete(ValidationFailed):
    code = "minutes_incomplete"
    message = _("纪要须逐项记录每个议题，且每个议题只记录一次", "The minutes cover every topic exactly once")


class InvalidVotes(ValidationFailed):
    code = "invalid_votes"
    message = _(
        "票数之和不能超过实到人数，逐人表决须为实到人员且每人一票",
        "Votes cannot exceed attendance; per-attendee votes are by attendees, one each",
    )
