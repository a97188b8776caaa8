"""Selection (遴选): eligibility, conflict-checked reviews, the resident vote, ranking and funding.

- 资格审查: staff mark each submitted application eligible or not, with reasons (required when not).
- 评审: reviewers are staff or invited experts, named per call. A reviewer declares a conflict of
  interest (利益冲突) for an application and then cannot score it; the applicant and the members of
  the applying organisation are conflicted without saying so. Every review also carries the reviewer's
  declaration that there is no conflict. A review scores every criterion (0..max_score); its weighted
  score is Σ weight × score / max_score on 0–100, kept in hundredths (integers, rounded half up).
- 居民投票: one ballot per resident of the community per call, during the voting window, with 1..N picks
  among the eligible applications (unique keys: exact under parallel requests).
- 立项 (ranking and funding within the cap): `funding.py`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import NotFound
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.identity import User
from app.models.projects import (
    ApplicationStatus,
    Ballot,
    CallStatus,
    ConflictOfInterest,
    OrganisationMember,
    ProjectApplication,
    Review,
    Reviewer,
    Vote,
)
from app.notifications.service import notify
from app.platform import audit
from app.projects import applications, calls
from app.projects.applications import centi_text
from app.projects.errors import (
    AlreadyLinked,
    AlreadyReviewed,
    AlreadyVoted,
    ApplicationInvalidTransition,
    CallInvalidTransition,
    InvalidScores,
    LinkTargetNotFound,
    NotResidentVoter,
    NotReviewer,
    NotVotable,
    NoVoteInCall,
    ReviewerConflicted,
    TooManyPicks,
    VotingClosed,
)
from app.projects.schemas import (
    ApplicationOut,
    BallotOut,
    ConflictIn,
    ConflictOut,
    EligibilityIn,
    ReviewerIn,
    ReviewerOut,
    ReviewIn,
    ReviewOut,
    VoteIn,
)

S = ApplicationStatus


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


# ---------------------------------------------------------------- eligibility


async def set_eligibility(
    db: AsyncSession, who: Principal, application_id: uuid.UUID, body: EligibilityIn
) -> ApplicationOut:
    app = await applications.load(db, who, application_id, lock=True)
    if not who.is_staff_of(app.community_id):
        raise NotFound()
    if app.status not in (S.submitted, S.eligible, S.ineligible):
        raise ApplicationInvalidTransition(current_status=app.status.value)
    if not body.eligible and not body.reasons:
        raise InvalidScores(detail="资格审查不通过须说明理由 / give the reasons for ineligibility")
    app.status = S.eligible if body.eligible else S.ineligible
    app.eligibility_reasons = list(body.reasons)
    app.eligibility_by = who.id
    app.eligibility_at = clock.now()
    app.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.eligibility",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
        eligible=body.eligible,
    )
    if not body.eligible:
        await notify(
            db,
            user_id=app.applicant_id,
            kind="project.ineligible",
            title="项目申报未通过资格审查",
            body=f"「{app.title}」未通过资格审查：" + "；".join(body.reasons),
            link=f"/project-applications/{app.id}",
        )
    return await applications.render(db, app, who)


# ---------------------------------------------------------------- reviewers and conflicts


async def _reviewer_out(db: AsyncSession, r: Reviewer) -> ReviewerOut:
    user = await db.get(User, r.user_id)
    reviews = (await db.execute(select(func.count()).where(Review.reviewer_id == r.id))).scalar_one()
    conflicts = (
        await db.execute(select(func.count()).where(ConflictOfInterest.reviewer_id == r.id))
    ).scalar_one()
    return ReviewerOut(
        id=r.id,
        call_id=r.call_id,
        user_id=r.user_id,
        name=user.name if user else "",
        kind=r.kind,
        reviews=int(reviews),
        conflicts=int(conflicts),
    )


async def add_reviewer(db: AsyncSession, who: Principal, call_id: uuid.UUID, body: ReviewerIn) -> ReviewerOut:
    call = await calls.load(db, who, call_id, staff=True, lock=True)
    if call.status not in (CallStatus.draft, CallStatus.open):
        raise CallInvalidTransition(current_status=call.status.value)
    try:
        await identity.get_user(db, body.user_id)
    except NotFound as exc:
        raise LinkTargetNotFound() from exc
    reviewer = Reviewer(call_id=call.id, user_id=body.user_id, kind=body.kind, invited_by=who.id)
    try:
        async with db.begin_nested():
            db.add(reviewer)
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyLinked() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="project_call.reviewer",
        target_type="project_call",
        target_id=call.id,
        community_id=call.community_id,
        user_id=str(body.user_id),
        kind=body.kind.value,
    )
    return await _reviewer_out(db, reviewer)


async def list_reviewers(db: AsyncSession, who: Principal, call_id: uuid.UUID) -> list[ReviewerOut]:
    call = await calls.load(db, who, call_id, staff=True)
    rows = (
        await db.execute(select(Reviewer).where(Reviewer.call_id == call.id).order_by(Reviewer.invited_at))
    ).scalars()
    return [await _reviewer_out(db, r) for r in rows]


async def _reviewer_for(db: AsyncSession, who: Principal, app: ProjectApplication) -> Reviewer:
    reviewer = (
        await db.execute(select(Reviewer).where(Reviewer.call_id == app.call_id, Reviewer.user_id == who.id))
    ).scalar_one_or_none()
    if reviewer is None:
        raise NotReviewer()
    return reviewer


async def _conflicted(db: AsyncSession, reviewer: Reviewer, app: ProjectApplication) -> bool:
    if reviewer.user_id == app.applicant_id:
        return True
    if app.organisation_id is not None:
        member = (
            await db.execute(
                select(OrganisationMember.id).where(
                    OrganisationMember.organisation_id == app.organisation_id,
                    OrganisationMember.user_id == reviewer.user_id,
                )
            )
        ).first()
        if member is not None:
            return True
    declared = (
        await db.execute(
            select(ConflictOfInterest.id).where(
                ConflictOfInterest.reviewer_id == reviewer.id, ConflictOfInterest.application_id == app.id
            )
        )
    ).first()
    return declared is not None


async def declare_conflict(
    db: AsyncSession, who: Principal, application_id: uuid.UUID, body: ConflictIn
) -> ConflictOut:
    """A reviewer declares a conflict of interest with an application (and so will not score it)."""
    app = await applications.load(db, who, application_id)
    reviewer = await _reviewer_for(db, who, app)
    conflict = ConflictOfInterest(reviewer_id=reviewer.id, application_id=app.id, reason=body.reason)
    try:
        async with db.begin_nested():
            db.add(conflict)
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyLinked() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.conflict",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
    )
    return ConflictOut(
        id=conflict.id,
        application_id=app.id,
        reviewer_id=reviewer.id,
        reason=conflict.reason,
        declared_at=conflict.declared_at,
    )


# ---------------------------------------------------------------- reviews


async def review(db: AsyncSession, who: Principal, application_id: uuid.UUID, body: ReviewIn) -> ReviewOut:
    """Score every criterion of an eligible application (a reviewer without a conflict), once."""
    app = await applications.load(db, who, application_id, lock=True)
    reviewer = await _reviewer_for(db, who, app)
    if await _conflicted(db, reviewer, app):
        raise ReviewerConflicted()
    if not body.no_conflict:
        raise InvalidScores(detail="评分前须声明不存在利益冲突 / declare that you have no conflict first")
    if app.status is not S.eligible:
        raise ApplicationInvalidTransition(current_status=app.status.value)
    criteria = await calls.criteria_of(db, app.call_id)
    given = {str(k): v for k, v in body.scores.items()}
    if set(given) != {str(c.id) for c in criteria} or any(
        not 0 <= given[str(c.id)] <= c.max_score for c in criteria
    ):
        raise InvalidScores()
    # Σ weight × score / max_score, in hundredths: one common denominator keeps it exact.
    denominator = 1
    for c in criteria:
        denominator *= c.max_score
    numerator = sum(c.weight * given[str(c.id)] * 100 * (denominator // c.max_score) for c in criteria)
    score_centi = _half_up(numerator, denominator)
    row = Review(
        application_id=app.id,
        reviewer_id=reviewer.id,
        scores=given,
        score_centi=score_centi,
        comment=body.comment,
        created_at=clock.now(),
    )
    try:
        async with db.begin_nested():
            db.add(row)
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyReviewed() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.review",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
        score_centi=score_centi,
    )
    return ReviewOut(
        id=row.id,
        application_id=app.id,
        reviewer_id=reviewer.id,
        scores={uuid.UUID(k): v for k, v in given.items()},
        score=centi_text(score_centi) or "0.00",
        comment=row.comment,
        created_at=row.created_at,
    )


# ---------------------------------------------------------------- the resident vote


async def vote(db: AsyncSession, who: Principal, call_id: uuid.UUID, body: VoteIn) -> BallotOut:
    call = await calls.load(db, who, call_id)
    if call.votes_per_resident is None:
        raise NoVoteInCall()
    if calls.phase(call) != "voting":
        raise VotingClosed(phase=calls.phase(call))
    if who.community_id != call.community_id:
        raise NotResidentVoter()
    picks = list(dict.fromkeys(body.application_ids))
    if len(picks) != len(body.application_ids) or len(picks) > call.votes_per_resident:
        raise TooManyPicks(limit=call.votes_per_resident)
    eligible = set(
        (
            await db.execute(
                select(ProjectApplication.id).where(
                    ProjectApplication.call_id == call.id,
                    ProjectApplication.id.in_(picks),
                    ProjectApplication.status == S.eligible,
                )
            )
        ).scalars()
    )
    if eligible != set(picks):
        raise NotVotable()
    ballot = Ballot(call_id=call.id, user_id=who.id, cast_at=clock.now())
    try:
        async with db.begin_nested():
            db.add(ballot)
            await db.flush()
    except IntegrityError as exc:  # the unique (call_id, user_id): one ballot per resident
        raise AlreadyVoted() from exc
    for application_id in picks:
        db.add(Vote(ballot_id=ballot.id, application_id=application_id))
    await db.flush()
    return BallotOut(call_id=call.id, application_ids=picks, cast_at=ballot.cast_at)
