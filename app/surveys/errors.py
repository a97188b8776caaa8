"""Errors of surveys (问卷调查): stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, _


class SurveyNotFound(NotFound):
    code = "survey_not_found"
    message = _("问卷不存在或不在您的范围内", "No such survey for you")


class SurveyInvalidTransition(InvalidTransition):
    message = _("问卷当前状态不允许此操作", "This survey cannot do that in its current state")


class SurveyFrozen(Conflict):
    code = "survey_frozen"
    message = _(
        "问卷已发布，题目、对象和匿名设置不能再修改",
        "The survey is published: its questions, audience and anonymity are frozen",
    )


class SurveyHasNoQuestions(Conflict):
    code = "survey_has_no_questions"
    message = _("问卷至少要有一道题才能发布", "A survey needs at least one question to be published")


class SurveyNotOpen(Conflict):
    code = "survey_not_open"
    message = _("问卷未在进行中，不能作答", "The survey is not open for answers")


class AlreadyAnswered(Conflict):
    code = "already_answered"
    message = _("您已经填写过这份问卷", "This person has already answered this survey")


class HouseholdAlreadyAnswered(Conflict):
    code = "household_already_answered"
    message = _("这份问卷每户一份，您家已经有人填写", "One answer per household: this household has answered")


class AddressRequired(Conflict):
    code = "address_required"
    message = _(
        "这份问卷每户一份，请先登记楼栋、单元和房号",
        "One answer per household: register your building, unit and room first",
    )


class InvalidQuestion(ValidationFailed):
    code = "invalid_question"
    message = _("题目设置有误", "A question is set up wrongly")


class InvalidAudience(ValidationFailed):
    code = "invalid_audience"
    message = _("调查对象设置有误", "The audience is set up wrongly")


class InvalidAnswer(ValidationFailed):
    code = "invalid_answer"
    message = _("答案不符合题目要求", "An answer does not fit its question")


class AnswerRequired(ValidationFailed):
    code = "answer_required"
    message = _("有必答题没有作答", "A required question has no answer")


class AnswerNotExpected(ValidationFailed):
    code = "answer_not_expected"
    message = _("这道题按前面的回答不需要作答", "This question is not shown after the earlier answers")


class NotSurveyor(Forbidden):
    code = "not_surveyor"
    message = _(
        "只有社区工作人员和调查队员可以代录问卷",
        "Only staff and survey volunteers (调查队) may enter answers for others",
    )


class ChannelRequired(ValidationFailed):
    code = "channel_required"
    message = _(
        "代录问卷须注明方式：纸质、电话或入户", "Entering for someone needs a channel: paper, phone or door"
    )


class RespondentNotInAudience(ValidationFailed):
    code = "respondent_not_in_audience"
    message = _("该居民不在这份问卷的调查对象中", "That resident is not in this survey's audience")


class ResultsNotPublished(NotFound):
    code = "survey_results_not_published"
    message = _("调查结果尚未公布", "The results have not been published")


class RemindedToday(Conflict):
    code = "reminded_today"
    message = _("今天已经提醒过了，每天最多一次", "The audience was already reminded today (once a day)")
