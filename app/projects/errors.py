"""Errors of community projects and social organisations: stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _

# ---------------------------------------------------------------- not found


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    message = _("组织不存在或无权查看", "No such organisation")


class CallNotFound(NotFound):
    code = "project_call_not_found"
    message = _("项目征集不存在或无权查看", "No such project call")


class ApplicationNotFound(NotFound):
    code = "project_application_not_found"
    message = _("项目申报不存在或无权查看", "No such project application")


class ProjectNotFound(NotFound):
    code = "project_not_found"
    message = _("项目不存在或无权查看", "No such project")


class LinkTargetNotFound(NotFound):
    code = "link_target_not_found"
    message = _("要关联的服务或活动不存在", "The service or activity to link does not exist")


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = _("成员不存在", "No such member")


class LineNotFound(NotFound):
    code = "budget_line_not_found"
    message = _("预算明细不存在", "No such budget line")


class MilestoneNotFound(NotFound):
    code = "milestone_not_found"
    message = _("里程碑不存在", "No such milestone")


class ChangeNotFound(NotFound):
    code = "budget_change_not_found"
    message = _("预算调整不存在", "No such budget change")


class QuestionNotFound(NotFound):
    code = "project_question_not_found"
    message = _("提问不存在", "No such question")


class PhotoNotFound(NotFound):
    code = "project_photo_not_found"
    message = _("照片不存在", "No such photo")


# ---------------------------------------------------------------- organisations


class InvalidCreditCode(ValidationFailed):
    code = "invalid_credit_code"
    message = _(
        "统一社会信用代码无效（长度、字符或校验码不符合 GB 32100）",
        "The unified social credit code is invalid (length, characters or check characters, GB 32100)",
    )


class CreditCodeRequired(ValidationFailed):
    code = "credit_code_required"
    message = _(
        "已登记的社会组织须填写统一社会信用代码", "A registered social organisation needs its credit code"
    )


class CreditCodeTaken(Conflict):
    code = "credit_code_taken"
    message = _("该统一社会信用代码已被其他组织使用", "Another organisation has this credit code")


class NotResidentOfCommunity(Conflict):
    code = "not_resident_of_community"
    message = _("成员须是本社区居民", "Members must be residents of the community")


class AlreadyMember(Conflict):
    code = "already_member"
    message = _("已是该组织成员", "Already a member")


class LeaderExists(Conflict):
    code = "leader_exists"
    message = _("该组织已有负责人，请先改任", "The organisation already has a leader")


class LeaderCannotLeave(Conflict):
    code = "leader_cannot_leave"
    message = _("负责人不能直接移出，请先指定新负责人", "Name a new leader before removing this one")


class NotSocialOrgService(Conflict):
    code = "not_social_org_service"
    message = _(
        "只能关联由社会组织提供的服务", "Only services provided by a social organisation can be linked"
    )


class AlreadyLinked(Conflict):
    code = "already_linked"
    message = _("已被关联", "Already linked")


# ---------------------------------------------------------------- calls and applications


class InvalidCriteria(ValidationFailed):
    code = "invalid_criteria"
    message = _(
        "评审指标权重之和须为 100，名称不能重复", "Criteria weights must sum to 100, with distinct names"
    )


class InvalidPhases(ValidationFailed):
    code = "invalid_phases"
    message = _("各阶段日期顺序不正确", "The phase dates are out of order")


class CallInvalidTransition(InvalidTransition):
    message = _("该征集当前阶段不允许此操作", "The call cannot do that in its current phase")


class ApplicationInvalidTransition(InvalidTransition):
    message = _("该申报当前状态不允许此操作", "The application cannot do that in its current state")


class CallNotAccepting(Conflict):
    code = "call_not_accepting"
    message = _("不在申报期内（已截止或尚未开始）", "The call is not accepting applications now")


class ApplicantNotAllowed(Forbidden):
    code = "applicant_not_allowed"
    message = _("该征集不接受此类申报人", "This call does not accept applications from you")


class NotOrganisationLeader(Forbidden):
    code = "not_organisation_leader"
    message = _("只有组织负责人可以代表组织申报", "Only the organisation's leader may apply for it")


class OrganisationNotRegistered(Conflict):
    code = "organisation_not_registered"
    message = _("该征集只接受已登记的组织申报", "This call accepts registered organisations only")


class UnknownCategory(ValidationFailed):
    code = "unknown_category"
    message = _("项目类别不在征集的类别中", "The category is not one of the call's")


class IncompleteApplication(ValidationFailed):
    code = "incomplete_application"
    message = _(
        "申报内容不完整（方案、预算明细和里程碑都必须填写）",
        "The plan, budget lines and milestones are required",
    )


class OverCap(Conflict):
    code = "over_budget_cap"
    message = _("申报金额超过征集的预算上限", "The amount asked exceeds the call's budget cap")


# ---------------------------------------------------------------- selection


class NotReviewer(Forbidden):
    code = "not_reviewer"
    message = _("您不是该征集的评审", "You are not a reviewer of this call")


class ReviewerConflicted(Conflict):
    code = "reviewer_conflicted"
    message = _(
        "您已申报与该项目存在利益冲突，不能评分", "You declared a conflict of interest and cannot score"
    )


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    message = _("您已评过该项目", "You have already scored this application")


class InvalidScores(ValidationFailed):
    code = "invalid_scores"
    message = _(
        "须对每项指标评分，且分数在 0 到满分之间", "Score every criterion, each from 0 to its maximum"
    )


class NoVoteInCall(Conflict):
    code = "no_resident_vote"
    message = _("该征集没有居民投票环节", "This call has no resident vote")


class VotingClosed(Conflict):
    code = "voting_closed"
    message = _("不在投票期内", "Voting is not open")


class AlreadyVoted(Conflict):
    code = "already_voted"
    message = _("您已投过票", "You have already voted in this call")


class TooManyPicks(ValidationFailed):
    code = "too_many_picks"
    message = _("所选项目超过可投数量", "More picks than the call allows")


class NotVotable(Conflict):
    code = "not_votable"
    message = _("只能投给通过资格审查的项目", "Only eligible applications can be voted for")


class NotResidentVoter(Forbidden):
    code = "not_resident_of_community"
    message = _("只有本社区居民可以投票", "Only residents of the community may vote")


class DecisionNotResolved(Conflict):
    code = "decision_not_resolved"
    message = _("关联的四议两公开事项尚未通过决议", "The linked 四议两公开 decision has not been resolved")


# ---------------------------------------------------------------- execution and acceptance


class LineOverspent(Conflict):
    code = "budget_line_overspent"
    message = _(
        "超出该预算明细的余额，须先经工作人员批准预算调整",
        "This exceeds what is left on the budget line; staff must approve a budget change first",
    )


class OverBudget(Conflict):
    code = "over_project_budget"
    message = _("调整后的预算超过项目总预算", "The change would take the lines past the project's budget")


class ChangeAlreadyDecided(Conflict):
    code = "budget_change_decided"
    message = _("该预算调整已处理", "This budget change has already been decided")


class ProjectInvalidTransition(InvalidTransition):
    message = _("该项目当前状态不允许此操作", "The project cannot do that in its current state")


class AlreadyAccepted(Conflict):
    code = "already_accepted"
    message = _("该项目已验收", "The project has already been accepted")


class NotProjectOwner(Forbidden):
    code = "not_project_owner"
    message = _("只有项目执行方或工作人员可以操作", "Only the project's team or staff may do this")


class TooManyPhotos(Conflict):
    code = "too_many_attachments"
    message = _("照片数量已达上限", "This project has as many photos as allowed")


class NotAnImage(ValidationFailed):
    code = "not_an_image"
    message = _("只能上传 JPEG、PNG 或 WebP 图片", "Only JPEG, PNG or WebP images")


class ImageTooLarge(ValidationFailed):
    code = "image_too_large"
    message = _("图片过大", "The image is too large")


class QuestionAlreadyAnswered(Conflict):
    code = "question_already_answered"
    message = _("该提问已答复", "This question has already been answered")


class SurveyUnavailable(ValidationFailed):
    code = "survey_unavailable"
    message = _(
        "无法从该问卷取得满意度（须为本社区已发布且有打分题作答的问卷），请直接填写",
        "No satisfaction figure from that survey (it must be this community's, published, with scale"
        " answers); enter one",
    )


class SatisfactionAmbiguous(ValidationFailed):
    code = "satisfaction_ambiguous"
    message = _("满意度请直接填写或选择问卷，二者择一", "Give a satisfaction figure or a survey, not both")
