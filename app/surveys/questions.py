"""Question rules: what a question may be (when staff write it) and what an answer must be (checked by the
server when a resident answers, conditions included)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.core.errors import _
from app.models.surveys import QuestionKind, SurveyQuestion
from app.surveys.errors import AnswerNotExpected, AnswerRequired, InvalidAnswer, InvalidQuestion
from app.surveys.schemas import KIND_LABELS, ConditionOut, OptionOut, QuestionIn, QuestionOut

K = QuestionKind
CHOICE_KINDS = (K.single, K.multiple, K.ranking)
TEXT_LIMITS = {K.short_text: 200, K.long_text: 2000}


def _bad(q: QuestionIn, zh: str, en: str) -> InvalidQuestion:
    return InvalidQuestion(_(f"题目 {q.key}：{zh}", f"Question {q.key}: {en}"), question=q.key)


def build_questions(items: Sequence[QuestionIn], max_options: int) -> list[SurveyQuestion]:
    """SurveyQuestion rows (without survey_id) from staff's questions, in order; InvalidQuestion if any
    question is malformed or a condition does not point at an earlier choice question's options."""
    seen: dict[str, QuestionIn] = {}
    rows: list[SurveyQuestion] = []
    for position, q in enumerate(items, start=1):
        if q.key in seen:
            raise _bad(q, "编号重复", "the key is used twice")
        keys = [o.key for o in q.options]
        if q.kind in CHOICE_KINDS:
            if not 2 <= len(keys) <= max_options:
                raise _bad(q, f"选项须为 2 到 {max_options} 个", f"needs 2 to {max_options} options")
            if len(set(keys)) != len(keys):
                raise _bad(q, "选项编号重复", "an option key is used twice")
        elif q.options:
            raise _bad(q, "此题型没有选项", "this kind of question takes no options")
        if q.kind is not K.multiple and (q.min_choices is not None or q.max_choices is not None):
            raise _bad(q, "只有多选题可设最少/最多选几项", "only multiple choice takes min/max picks")
        if q.kind is K.multiple:
            low, high = q.min_choices or 0, q.max_choices or len(keys)
            if low > high or high > len(keys):
                raise _bad(q, "最少/最多选几项与选项数不符", "min/max picks do not fit the options")
        if (q.kind is K.scale) != (q.scale is not None):
            raise _bad(q, "打分题须选 1-5 或 0-10 分制", "a scale question needs scale 1-5 or 0-10")
        if q.kind is not K.number and (q.number_min is not None or q.number_max is not None):
            raise _bad(q, "只有数字题可设范围", "only a number question takes a range")
        if q.number_min is not None and q.number_max is not None and q.number_min > q.number_max:
            raise _bad(q, "数字范围上下限颠倒", "number_min is above number_max")
        if q.show_if is not None:
            earlier = seen.get(q.show_if.question)
            if earlier is None or earlier.kind not in (K.single, K.multiple):
                raise _bad(
                    q, "显示条件须指向前面的单选或多选题", "a condition must name an earlier choice question"
                )
            if not set(q.show_if.any_of) <= {o.key for o in earlier.options}:
                raise _bad(q, "显示条件中的选项不存在", "the condition names an option that does not exist")
        seen[q.key] = q
        low_scale, high_scale = (1, 5) if q.scale == "1-5" else (0, 10)
        rows.append(
            SurveyQuestion(
                position=position,
                key=q.key,
                kind=q.kind,
                title=q.title,
                help=q.help,
                required=q.required,
                options=[{"key": o.key, "label": o.label} for o in q.options],
                min_choices=q.min_choices if q.kind is K.multiple else None,
                max_choices=q.max_choices if q.kind is K.multiple else None,
                scale_min=low_scale if q.kind is K.scale else None,
                scale_max=high_scale if q.kind is K.scale else None,
                number_min=Decimal(str(q.number_min)) if q.number_min is not None else None,
                number_max=Decimal(str(q.number_max)) if q.number_max is not None else None,
                show_if_key=q.show_if.question if q.show_if else None,
                show_if_any_of=list(q.show_if.any_of) if q.show_if else None,
            )
        )
    return rows


def question_out(q: SurveyQuestion) -> QuestionOut:
    return QuestionOut(
        key=q.key,
        position=q.position,
        kind=q.kind,
        kind_label=KIND_LABELS[q.kind],
        title=q.title,
        help=q.help,
        required=q.required,
        options=[OptionOut(key=o["key"], label=o["label"]) for o in q.options],
        min_choices=q.min_choices,
        max_choices=q.max_choices,
        scale_min=q.scale_min,
        scale_max=q.scale_max,
        number_min=float(q.number_min) if q.number_min is not None else None,
        number_max=float(q.number_max) if q.number_max is not None else None,
        show_if=ConditionOut(question=q.show_if_key, any_of=list(q.show_if_any_of or []))
        if q.show_if_key
        else None,
    )


# ---------------------------------------------------------------- answers


@dataclass
class Checked:
    """One answer ready to store: exactly one of choices, number, body."""

    question: SurveyQuestion
    choices: list[str] | None = None
    number: Decimal | None = None
    body: str | None = None


def _wrong(q: SurveyQuestion, zh: str, en: str) -> InvalidAnswer:
    return InvalidAnswer(_(f"第{q.position}题：{zh}", f"Question {q.key}: {en}"), question=q.key)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _check_one(q: SurveyQuestion, value: Any) -> Checked:
    options = [o["key"] for o in q.options]
    if q.kind is K.single:
        if not isinstance(value, str) or value not in options:
            raise _wrong(q, "请选择一个选项", "give one of the option keys")
        return Checked(q, choices=[value])
    if q.kind in (K.multiple, K.ranking):
        if not isinstance(value, list) or len(set(value)) != len(value) or not set(value) <= set(options):
            raise _wrong(q, "选项无效或重复", "give distinct option keys")
        if q.kind is K.ranking and len(value) != len(options):
            raise _wrong(q, "请给所有选项排序", "rank every option")
        if q.kind is K.multiple:
            low, high = q.min_choices or 1, q.max_choices or len(options)
            if not low <= len(value) <= high:
                raise _wrong(q, f"请选择 {low} 到 {high} 项", f"pick {low} to {high} options")
        return Checked(q, choices=list(value))
    if q.kind in TEXT_LIMITS:
        if not isinstance(value, str):
            raise _wrong(q, "请填写文字", "give text")
        if len(value) > TEXT_LIMITS[q.kind]:
            raise _wrong(q, f"最多 {TEXT_LIMITS[q.kind]} 字", f"at most {TEXT_LIMITS[q.kind]} characters")
        return Checked(q, body=value)
    if q.kind is K.scale:
        assert q.scale_min is not None
        assert q.scale_max is not None
        if not isinstance(value, int) or isinstance(value, bool) or not q.scale_min <= value <= q.scale_max:
            raise _wrong(q, f"请打 {q.scale_min} 到 {q.scale_max} 分", f"give {q.scale_min} to {q.scale_max}")
        return Checked(q, number=Decimal(value))
    # number
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise _wrong(q, "请填写数字", "give a number")
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    if abs(number) >= Decimal("1e12"):
        raise _wrong(q, "数字过大", "the number is too large")
    if (q.number_min is not None and number < q.number_min) or (
        q.number_max is not None and number > q.number_max
    ):
        raise _wrong(q, "数字超出范围", "the number is out of range")
    return Checked(q, number=number)


def shown(q: SurveyQuestion, given: dict[str, Checked]) -> bool:
    """Whether the question is shown after the earlier answers (its condition, checked by the server)."""
    if q.show_if_key is None:
        return True
    earlier = given.get(q.show_if_key)
    return earlier is not None and bool(set(earlier.choices or ()) & set(q.show_if_any_of or ()))


def check_answers(questions: Sequence[SurveyQuestion], answers: dict[str, Any]) -> list[Checked]:
    """The answers to store, in question order; InvalidAnswer, AnswerRequired or AnswerNotExpected."""
    by_key = {q.key: q for q in questions}
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise InvalidAnswer(
            _(f"没有这道题：{unknown[0]}", f"No such question: {unknown[0]}"), question=unknown[0]
        )
    given: dict[str, Checked] = {}
    for q in sorted(questions, key=lambda q: q.position):
        value = answers.get(q.key)
        if not shown(q, given):
            if not _empty(value):
                raise AnswerNotExpected(
                    _(f"第{q.position}题按前面的回答不需要作答", f"Question {q.key} is not shown"),
                    question=q.key,
                )
            continue
        if _empty(value):
            if q.required:
                raise AnswerRequired(
                    _(f"第{q.position}题为必答题", f"Question {q.key} is required"), question=q.key
                )
            continue
        given[q.key] = _check_one(q, value)
    return list(given.values())
