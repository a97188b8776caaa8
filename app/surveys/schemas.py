"""In/out shapes of surveys (问卷调查): questions, audience, answers, receipts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints

from app.core.text import Clean, Line, Text
from app.models.surveys import QuestionKind, SurveyChannel, SurveyStatus, SurveyUnit

STATUS_LABELS = {
    SurveyStatus.draft: "草稿",
    SurveyStatus.published: "进行中",
    SurveyStatus.closed: "已结束",
    SurveyStatus.archived: "已归档",
}
CHANNEL_LABELS = {
    SurveyChannel.online: "线上",
    SurveyChannel.paper: "纸质",
    SurveyChannel.phone: "电话",
    SurveyChannel.door: "入户",
}
KIND_LABELS = {
    QuestionKind.single: "单选",
    QuestionKind.multiple: "多选",
    QuestionKind.short_text: "填空",
    QuestionKind.long_text: "意见建议",
    QuestionKind.scale: "打分",
    QuestionKind.number: "数字",
    QuestionKind.ranking: "排序",
}

# A question's or an option's key: short, machine-friendly, chosen by staff ("q1", "a").
Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,30}$"), Clean]
# One answer: an option key (single), keys (multiple, ranking in order), a number (scale, number) or text.
AnswerValue = StrictInt | StrictFloat | list[Key] | Annotated[Text, Field(max_length=2000)] | None


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Line


class ConditionIn(BaseModel):
    """Show the question only when the earlier choice question `question` was answered with any of these."""

    model_config = ConfigDict(extra="forbid")
    question: Key
    any_of: list[Key] = Field(min_length=1, max_length=30)


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    kind: QuestionKind
    title: Annotated[Text, Field(min_length=1, max_length=300)]
    help: Text = Field("", max_length=1000)
    required: bool = False
    options: list[OptionIn] = Field(default_factory=list, description="single, multiple and ranking")
    min_choices: int | None = Field(None, ge=0, le=30, description="multiple: fewest picks")
    max_choices: int | None = Field(None, ge=1, le=30, description="multiple: most picks")
    scale: Literal["1-5", "0-10"] | None = Field(None, description="scale: 1–5 or 0–10")
    number_min: float | None = Field(None, ge=-1e11, le=1e11)
    number_max: float | None = Field(None, ge=-1e11, le=1e11)
    show_if: ConditionIn | None = None


class AudienceIn(BaseModel):
    """Who is asked: the community, narrowed to some grids or buildings, an age, a role."""

    model_config = ConfigDict(extra="forbid")
    grid_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    building_ids: list[uuid.UUID] = Field(default_factory=list, max_length=2000)
    min_age: int | None = Field(None, ge=1, le=120, description="By a staff-verified birth date")
    role: Literal["building_lead", "agent", "handler", "staff", "merchant", "surveyor"] | None = None


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = None
    title: Line
    description: Text = Field("", max_length=5000)
    anonymous: bool = False
    one_per: SurveyUnit = SurveyUnit.resident
    audience: AudienceIn = Field(default_factory=AudienceIn)
    closes_at: datetime | None = None
    questions: list[QuestionIn] = Field(default_factory=list, max_length=100)


class SurveyPatch(BaseModel):
    """Title, description and closing time change any time before archiving; the rest only in draft."""

    model_config = ConfigDict(extra="forbid")
    title: Line | None = None
    description: Annotated[Text, Field(max_length=5000)] | None = None
    closes_at: datetime | None = None
    anonymous: bool | None = None
    one_per: SurveyUnit | None = None
    audience: AudienceIn | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=100)


class OptionOut(BaseModel):
    key: str
    label: str


class ConditionOut(BaseModel):
    question: str
    any_of: list[str]


class QuestionOut(BaseModel):
    key: str
    position: int
    kind: QuestionKind
    kind_label: str
    title: str
    help: str
    required: bool
    options: list[OptionOut]
    min_choices: int | None
    max_choices: int | None
    scale_min: int | None
    scale_max: int | None
    number_min: float | None
    number_max: float | None
    show_if: ConditionOut | None


class AudienceOut(BaseModel):
    grid_ids: list[uuid.UUID]
    building_ids: list[uuid.UUID]
    min_age: int | None
    role: str | None


class SurveySummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    status: SurveyStatus
    status_label: str
    anonymous: bool
    one_per: SurveyUnit
    closes_at: datetime | None
    published_at: datetime | None
    results_published: bool
    question_count: int
    answered: bool = Field(description="The caller (or their household) has answered")
    created_at: datetime


class SurveyOut(SurveySummary):
    description: str
    audience: AudienceOut
    closed_at: datetime | None
    archived_at: datetime | None
    results_published_at: datetime | None
    response_count: int | None = Field(None, description="Staff only")
    questions: list[QuestionOut]


class ResponseIn(BaseModel):
    """Answers keyed by question key. Staff and 调查队 may answer for a resident (`on_behalf_of`) with
    the channel they took it by (paper 纸质, phone 电话, door 入户/扫楼)."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[Key, AnswerValue] = Field(max_length=100)
    on_behalf_of: uuid.UUID | None = None
    channel: SurveyChannel | None = None


class ReceiptOut(BaseModel):
    """What answering gives back. Anonymous: no response id (nothing the caller holds points at it)."""

    survey_id: uuid.UUID
    accepted: bool = True
    anonymous: bool
    channel: SurveyChannel
    channel_label: str
    response_id: uuid.UUID | None = Field(None, description="Named surveys only")
    on_behalf_of: uuid.UUID | None = None


# ---------------------------------------------------------------- results


class OptionTally(BaseModel):
    key: str
    label: str
    count: int = Field(description="single/multiple: respondents who chose it; ranking: ranked first")
    percent: float = Field(description="Of those who answered the question, one decimal")
    mean_rank: float | None = Field(None, description="ranking: the mean position (1 = first), two decimals")


class ScaleBucket(BaseModel):
    value: int
    count: int
    percent: float


class QuestionResult(BaseModel):
    key: str
    kind: QuestionKind
    title: str
    answered: int = Field(description="Responses that answered this question")
    options: list[OptionTally] = Field(default_factory=list)
    distribution: list[ScaleBucket] = Field(default_factory=list, description="scale: every point")
    mean: float | None = Field(None, description="scale and number, two decimals")
    minimum: float | None = None
    maximum: float | None = None
    text_answers: int | None = Field(None, description="text: how many; read them at …/results/text")


class ChannelCount(BaseModel):
    channel: SurveyChannel
    label: str
    count: int


class PlaceResult(BaseModel):
    """A building's or a grid's responses and coverage (responses ÷ residents registered there now)."""

    id: uuid.UUID
    name: str
    grid_id: uuid.UUID | None = None
    grid_name: str | None = None
    registered: int
    responses: int | None = Field(description="None when suppressed (fewer than the smallest cell)")
    coverage: float | None = Field(description="responses ÷ registered, four decimals; None when unknown")
    coverage_percent: float | None
    suppressed: bool = False


class SurveyResults(BaseModel):
    survey_id: uuid.UUID
    title: str
    status: SurveyStatus
    anonymous: bool
    results_published_at: datetime | None
    responses: int
    filter_grid_id: uuid.UUID | None = None
    filter_building_id: uuid.UUID | None = None
    by_channel: list[ChannelCount]
    questions: list[QuestionResult]
    grids: list[PlaceResult]
    buildings: list[PlaceResult]
    unplaced: int = Field(description="Responses from people without a registered building")
    registered: int = Field(description="Residents registered in the audience's buildings")
    coverage: float | None = Field(
        description="Responses from those buildings ÷ registered, four decimals (None when filtered)"
    )
    min_cell: int = Field(description="Cells below this are suppressed for anonymous surveys and residents")


class TextAnswerOut(BaseModel):
    id: uuid.UUID
    question: str
    text: str
    building_name: str | None = Field(None, description="Staff of named surveys only")
