"""立项 (funding): rank a call's eligible applications and fund them within its cap.

The rule (also in docs/projects.md):

1. review score = the mean of the application's reviews' weighted scores (0 without a review);
2. with a vote: vote score = 100 × votes / the most votes any eligible application got (0 if none),
   ranking score = (100 − w) % of the review score + w % of the vote score (w = the call's
   vote_weight); without a vote the ranking score is the review score;
3. order by ranking score, then more votes, then the smaller request, then the earlier submission;
4. walk down that order with the cap: fund an application in full when its request fits in what is
   left, otherwise skip it ("no longer fits") and go on — a smaller one further down may still fit.

Applications are funded in full or not at all. Funding creates the projects; the round runs once, with
the call row locked. Scores are integers in hundredths, rounded half up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import decisions
from app.core import clock
from app.core.errors import NotFound
from app.identity.principal import Principal
from app.models.consultation import DecisionStatus
from app.models.project_delivery import Project, ProjectStatus
from app.models.projects import ApplicationStatus, CallStatus, ProjectApplication, ProjectCall, Vote
from app.notifications.service import notify
from app.platform import audit
from app.projects import calls
from app.projects.applications import centi_text, mean_review_centi
from app.projects.calls import yuan_text
from app.projects.errors import CallInvalidTransition, DecisionNotResolved, LinkTargetNotFound
from app.projects.schemas import FundIn, FundingOut, RankedOut

S = ApplicationStatus
RESOLVED = (
    DecisionStatus.resolved,
    DecisionStatus.publishing,
    DecisionStatus.effective,
    DecisionStatus.result_published,
)


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass
class Ranked:
    app: ProjectApplication
    review_centi: int
    votes: int
    score_centi: int
    funded: bool = False
    note: str = ""


async def _rank(db: AsyncSession, call: ProjectCall) -> list[Ranked]:
    apps = list(
        (
            await db.execute(
                select(ProjectApplication)
                .where(ProjectApplication.call_id == call.id, ProjectApplication.status == S.eligible)
                .with_for_update()
            )
        ).scalars()
    )
    counted = await db.execute(
        select(Vote.application_id, func.count())
        .where(Vote.application_id.in_([a.id for a in apps]))
        .group_by(Vote.application_id)
    )
    votes = {r[0]: int(r[1]) for r in counted}
    most = max(votes.values(), default=0)
    w = call.vote_weight if call.votes_per_resident is not None else 0
    ranked = []
    for a in apps:
        review_centi = await mean_review_centi(db, a.id) or 0
        n = votes.get(a.id, 0)
        if w:
            vote_centi = _half_up(10000 * n, most) if most else 0
            score = _half_up((100 - w) * review_centi + w * vote_centi, 100)
        else:
            score = review_centi
        ranked.append(Ranked(a, review_centi, n, score))
    ranked.sort(
        key=lambda r: (
            -r.score_centi,
            -r.votes,
            r.app.requested_fen,
            r.app.submitted_at or datetime.max.replace(tzinfo=UTC),
            r.app.id,
        )
    )
    left = call.budget_cap_fen
    for r in ranked:
        if r.app.requested_fen <= left:
            r.funded = True
            left -= r.app.requested_fen
            r.note = "获得资助"
        else:
            r.note = f"剩余预算 {yuan_text(left)} 元不足以资助申请的 {yuan_text(r.app.requested_fen)} 元"
    return ranked


def _funding_out(call: ProjectCall, ranked: list[Ranked], projects: dict[uuid.UUID, uuid.UUID]) -> FundingOut:
    funded = sum(r.app.requested_fen for r in ranked if r.funded)
    return FundingOut(
        call_id=call.id,
        budget_cap_fen=call.budget_cap_fen,
        funded_fen=funded,
        funded_yuan=yuan_text(funded),
        left_fen=call.budget_cap_fen - funded,
        decision_id=call.decision_id,
        ranking=[
            RankedOut(
                application_id=r.app.id,
                title=r.app.title,
                rank=i,
                review_score=centi_text(r.review_centi) or "0.00",
                votes=r.votes,
                score=centi_text(r.score_centi) or "0.00",
                requested_fen=r.app.requested_fen,
                requested_yuan=yuan_text(r.app.requested_fen),
                funded=r.funded,
                note=r.note,
                project_id=projects.get(r.app.id),
            )
            for i, r in enumerate(ranked, start=1)
        ],
    )


def _check_fundable(call: ProjectCall) -> None:
    if call.status is not CallStatus.open or calls.phase(call) not in ("reviewing", "selecting"):
        raise CallInvalidTransition(phase=calls.phase(call))


async def ranking(db: AsyncSession, who: Principal, call_id: uuid.UUID) -> FundingOut:
    """The ranking and what the cap would fund now (staff); after funding, what was funded."""
    call = await calls.load(db, who, call_id, staff=True)
    if call.status is CallStatus.funded:
        return await funded(db, call)
    return _funding_out(call, await _rank(db, call), {})


async def funded(db: AsyncSession, call: ProjectCall) -> FundingOut:
    apps = list(
        (
            await db.execute(
                select(ProjectApplication)
                .where(ProjectApplication.call_id == call.id, ProjectApplication.rank.is_not(None))
                .order_by(ProjectApplication.rank)
            )
        ).scalars()
    )
    projects = dict(
        (
            await db.execute(select(Project.application_id, Project.id).where(Project.call_id == call.id))
        ).tuples()
    )
    ranked = [
        Ranked(
            a,
            await mean_review_centi(db, a.id) or 0,
            a.votes or 0,
            a.score_centi or 0,
            a.status is S.funded,
            a.funding_note or "",
        )
        for a in apps
    ]
    return _funding_out(call, ranked, projects)


async def fund(db: AsyncSession, who: Principal, call_id: uuid.UUID, body: FundIn) -> FundingOut:
    """立项: rank, fund within the cap (the rule above), create the projects; once per call."""
    call = await calls.load(db, who, call_id, staff=True, lock=True)
    _check_fundable(call)
    pending = (
        await db.execute(
            select(func.count()).where(
                ProjectApplication.call_id == call.id, ProjectApplication.status == S.submitted
            )
        )
    ).scalar_one()
    if pending:
        raise CallInvalidTransition(
            detail=f"还有 {pending} 份申报未做资格审查 / {pending} application(s) still await the eligibility check"
        )
    if body.decision_id is not None:
        try:
            decision = await decisions.get_decision(db, body.decision_id, call.community_id)
        except NotFound as exc:
            raise LinkTargetNotFound() from exc
        if decision.status not in RESOLVED:
            raise DecisionNotResolved()
        call.decision_id = decision.id
    ranked = await _rank(db, call)
    projects: dict[uuid.UUID, uuid.UUID] = {}
    for rank, r in enumerate(ranked, start=1):
        a = r.app
        a.rank, a.votes, a.score_centi, a.funding_note = rank, r.votes, r.score_centi, r.note[:200]
        a.updated_at = clock.now()
        if r.funded:
            a.status = S.funded
            a.funded_fen = a.requested_fen
            project = Project(
                id=uuid.uuid4(),
                application_id=a.id,
                call_id=call.id,
                community_id=call.community_id,
                organisation_id=a.organisation_id,
                owner_id=a.applicant_id,
                title=a.title,
                status=ProjectStatus.executing,
                budget_fen=a.requested_fen,
                spent_fen=0,
                decision_id=call.decision_id,
            )
            db.add(project)
            projects[a.id] = project.id
        else:
            a.status = S.not_funded
        await notify(
            db,
            user_id=a.applicant_id,
            kind="project.funded" if r.funded else "project.not_funded",
            title="项目已立项" if r.funded else "项目未获资助",
            body=f"「{a.title}」：{r.note}",
            link=f"/projects/{projects[a.id]}" if r.funded else f"/project-applications/{a.id}",
        )
    call.funded_fen = sum(r.app.requested_fen for r in ranked if r.funded)
    call.status = CallStatus.funded
    call.funded_at = clock.now()
    call.funded_by = who.id
    call.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_call.fund",
        target_type="project_call",
        target_id=call.id,
        community_id=call.community_id,
        funded_fen=call.funded_fen,
        projects=len(projects),
        decision_id=str(call.decision_id) if call.decision_id else None,
    )
    return _funding_out(call, ranked, projects)
