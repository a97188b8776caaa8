"""Answering a survey: online by the resident, or entered on their behalf (paper 纸质, phone 电话,
door 入户/扫楼) by staff or a 调查队 volunteer, audited.

One per resident is the unique (survey_id, user_id) of the "has answered" record, one per household its
unique (survey_id, household_key); the record is inserted first in a savepoint, so of N parallel
submits exactly one writes and the others answer 409 (`already_answered`, `household_already_answered`).

Anonymous surveys: the response row gets no respondent, no entering person and no time; the receipt
(and so the stored Idempotency-Key replay) carries no response id; the audit entry of a paper entry
names the survey, never the response.
"""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import NotFound
from app.core.security import sha256_hex
from app.grid import service as grid
from app.grid.schemas import CurrentAddress
from app.identity import service as identity
from app.identity.principal import Principal, load_principal
from app.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyChannel,
    SurveyParticipation,
    SurveyResponse,
    SurveyStatus,
    SurveyUnit,
)
from app.platform import audit
from app.surveys import service
from app.surveys.errors import (
    AddressRequired,
    AlreadyAnswered,
    ChannelRequired,
    HouseholdAlreadyAnswered,
    NotSurveyor,
    RespondentNotInAudience,
    SurveyNotOpen,
)
from app.surveys.questions import check_answers
from app.surveys.schemas import CHANNEL_LABELS, ReceiptOut, ResponseIn


def _norm(part: str | None) -> str:
    return unicodedata.normalize("NFKC", part or "").strip().casefold()


def household_key_of(survey: Survey, address: CurrentAddress | None) -> str | None:
    """The hashed household (building + unit + room) of a per-household survey; None otherwise or when
    the address has no room."""
    if survey.one_per is not SurveyUnit.household or address is None or not _norm(address.room):
        return None
    raw = f"{survey.id}|{address.building_id}|{_norm(address.unit)}|{_norm(address.room)}"
    return sha256_hex(raw.encode())


def may_enter_for_others(who: Principal, community_id: uuid.UUID) -> bool:
    """Staff of the community, or a 调查队 volunteer (role `surveyor`) held in it."""
    return who.is_staff_of(community_id) or service.is_surveyor(who, community_id)


async def _respondent(
    db: AsyncSession, who: Principal, survey: Survey, body: ResponseIn
) -> tuple[Principal, SurveyChannel]:
    if body.on_behalf_of is None or body.on_behalf_of == who.id:
        if body.channel not in (None, SurveyChannel.online):
            raise NotSurveyor()
        return who, SurveyChannel.online
    if not may_enter_for_others(who, survey.community_id):
        raise NotSurveyor()
    if body.channel in (None, SurveyChannel.online):
        raise ChannelRequired()
    try:
        user = await identity.get_user(db, body.on_behalf_of)
    except NotFound:
        raise RespondentNotInAudience() from None
    return await load_principal(db, user), body.channel


async def submit(db: AsyncSession, who: Principal, survey_id: uuid.UUID, body: ResponseIn) -> ReceiptOut:
    """Store one response; see the module docstring for the rules."""
    # FOR SHARE: a close waits for answers in flight, and an answer never lands after the close.
    survey, _staff = await service.visible_survey(db, who, survey_id, share=True)
    respondent, channel = await _respondent(db, who, survey, body)
    if respondent is not who and not service.in_audience(survey, await service.person(db, respondent)):
        raise RespondentNotInAudience()
    if respondent is who and not service.in_audience(survey, await service.person(db, who)):
        # Staff reading every survey are not thereby asked: only the audience answers for itself.
        raise RespondentNotInAudience()
    now = clock.now()
    if survey.status is not SurveyStatus.published or (
        survey.closes_at is not None and survey.closes_at <= now
    ):
        raise SurveyNotOpen()
    checked = check_answers(await service._questions(db, survey.id), body.answers)
    address = await grid.current_address(db, respondent.id)
    household = household_key_of(survey, address)
    if survey.one_per is SurveyUnit.household and household is None:
        raise AddressRequired()
    entered_by = who.id if respondent is not who else None
    try:
        async with db.begin_nested():
            db.add(
                SurveyParticipation(
                    survey_id=survey.id,
                    user_id=respondent.id,
                    household_key=household,
                    anonymous=survey.anonymous,
                    answered_at=None if survey.anonymous else now,
                    channel=None if survey.anonymous else channel,
                    entered_by=None if survey.anonymous else entered_by,
                )
            )
            await db.flush()
    except IntegrityError as exc:
        if "household_key" in str(exc.orig):
            raise HouseholdAlreadyAnswered() from None
        raise AlreadyAnswered() from None
    response = SurveyResponse(
        survey_id=survey.id,
        anonymous=survey.anonymous,
        respondent_id=None if survey.anonymous else respondent.id,
        entered_by=None if survey.anonymous else entered_by,
        submitted_at=None if survey.anonymous else now,
        channel=channel,
        grid_id=address.grid_id if address and address.community_id == survey.community_id else None,
        building_id=address.building_id if address and address.community_id == survey.community_id else None,
    )
    db.add(response)
    await db.flush()
    for c in checked:
        db.add(
            SurveyAnswer(
                response_id=response.id,
                question_id=c.question.id,
                choices=c.choices,
                number=c.number,
                body=c.body,
            )
        )
    await db.flush()
    if entered_by is not None:
        detail: dict[str, str] = {"channel": channel.value}
        if not survey.anonymous:
            detail["response_id"] = str(response.id)
        await audit.record(
            db,
            actor_id=who.id,
            action="survey.response.entered",
            target_type="survey",
            target_id=survey.id,
            community_id=survey.community_id,
            on_behalf_of=respondent.id,
            **detail,
        )
    return ReceiptOut(
        survey_id=survey.id,
        anonymous=survey.anonymous,
        channel=channel,
        channel_label=CHANNEL_LABELS[channel],
        response_id=None if survey.anonymous else response.id,
        on_behalf_of=respondent.id if entered_by is not None else None,
    )
