"""Proposals (群众下单): residents put a matter to their community, neighbours support it.

- A resident of a community proposes (title, description, the grid or building it concerns, how
  pressing it is) and may add up to 9 photos, cleaned like ticket photos (`app.core.photos`).
- Every other resident of that community supports it once (the `proposal_supports` primary key makes
  it one each, whatever the race) and may withdraw the support; `support_count` is kept by atomic
  `UPDATE … SET support_count = support_count ± 1` in the same transaction as the insert or delete,
  so it always equals the rows. The author does not support their own proposal.
- When the supports first reach LINLI_CONSULTATION_SUPPORT_THRESHOLD the proposal is flagged
  (`flagged_at`, set once by a conditional UPDATE) and the community's staff are told.
- Staff triage it (`triage.py`): accept onto the agenda, merge, decline, or turn it into a ticket.
- Residents of the community read every proposal of their community (public deliberation); staff of
  the community too; anyone else gets 404 `proposal_not_found`.

Lists sort by `supports` (then urgency), `urgency` (then supports) or `newest`. The cursor is one
integer rank (supports and urgency folded together), the creation time and the id.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.config import rules
from app.consultation.decisions import names_of
from app.consultation.errors import (
    NotAResident,
    NotProposalAuthor,
    ProposalInvalidTransition,
    ProposalNotFound,
)
from app.consultation.proposal_schemas import (
    PhotoOut,
    ProposalEventOut,
    ProposalIn,
    ProposalOut,
    ProposalSummary,
)
from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.grid import errors as grid_errors
from app.grid import service as grid_service
from app.identity.principal import Principal
from app.models.consultation import (
    PROPOSAL_STATUS_LABELS,
    URGENCY_LABELS,
    Proposal,
    ProposalEvent,
    ProposalFollow,
    ProposalPhoto,
    ProposalStatus,
    ProposalSupport,
    Urgency,
)
from app.models.consultation_meetings import OUTCOME_LABELS, TopicOutcome
from app.models.grid import Building
from app.models.identity import OrgUnit
from app.notifications.service import notify

S = ProposalStatus


class ProposalSort(enum.StrEnum):
    supports = "supports"  # most supported first, then the more pressing
    urgency = "urgency"  # most pressing first, then the most supported
    newest = "newest"


# Supports of one proposal stay far below this (a community has a few tens of thousands of residents).
_RANK_BASE = 1_000_000_000


def _rank(sort: ProposalSort) -> ColumnElement[int]:
    if sort is ProposalSort.supports:
        return cast(Proposal.support_count, BigInteger) * 4 + Proposal.urgency
    if sort is ProposalSort.urgency:
        return cast(Proposal.urgency, BigInteger) * _RANK_BASE + Proposal.support_count
    return literal(0, BigInteger)


def _rank_of(p: Proposal, sort: ProposalSort) -> int:
    if sort is ProposalSort.supports:
        return p.support_count * 4 + p.urgency
    if sort is ProposalSort.urgency:
        return p.urgency * _RANK_BASE + p.support_count
    return 0


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> ColumnElement[bool]:
    """Staff see their communities' proposals; residents see every proposal of their own community."""
    conds: list[ColumnElement[bool]] = []
    if who.staff_communities:
        conds.append(Proposal.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(Proposal.community_id == who.community_id)
    return or_(*conds) if conds else Proposal.id.is_(None)


async def load(
    db: AsyncSession, who: Principal, proposal_id: uuid.UUID, *, staff: bool = False, lock: bool = False
) -> Proposal:
    query = select(Proposal).where(Proposal.id == proposal_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    p = (await db.execute(query)).scalar_one_or_none()
    if p is None or (staff and not who.is_staff_of(p.community_id)):
        raise ProposalNotFound()
    return p


async def event(
    db: AsyncSession,
    p: Proposal,
    actor_id: uuid.UUID | None,
    kind: str,
    body: str,
    *,
    public: bool = True,
    **data: Any,
) -> None:
    db.add(
        ProposalEvent(
            proposal_id=p.id,
            actor_id=actor_id,
            kind=kind,
            body=body,
            public=public,
            data={k: str(v) for k, v in data.items() if v is not None},
            created_at=clock.now(),
        )
    )
    await db.flush()


async def tell_followers(
    db: AsyncSession, p: Proposal, kind: str, title: str, body: str = "", *, but: uuid.UUID | None = None
) -> None:
    """Tell the author and everyone following (supporters follow) of a public answer."""
    followers = set(
        (await db.execute(select(ProposalFollow.user_id).where(ProposalFollow.proposal_id == p.id))).scalars()
    )
    for user_id in sorted({p.author_id} | followers):
        if user_id == but:
            continue
        await notify(
            db,
            user_id=user_id,
            kind=f"proposal.{kind}",
            title=title,
            body=body,
            link=f"/pages/consultation/proposal/index?id={p.id}",
            data={"proposal_id": str(p.id)},
        )


# ---------------------------------------------------------------- rendering


def photo_out(ph: ProposalPhoto) -> PhotoOut:
    base = f"/api/v1/proposals/{ph.proposal_id}/photos/{ph.id}"
    return PhotoOut(
        id=ph.id,
        proposal_id=ph.proposal_id,
        content_type=ph.content_type,
        size=ph.size,
        width=ph.width,
        height=ph.height,
        url=base,
        thumbnail_url=base + "?thumbnail=true",
        created_at=ph.created_at,
    )


async def _places(db: AsyncSession, rows: list[Proposal]) -> dict[uuid.UUID, str]:
    """Names of the grids and buildings the rows concern: 'grid name' or 'compound building'."""
    grid_ids = {p.grid_id for p in rows if p.grid_id}
    building_ids = {p.building_id for p in rows if p.building_id}
    names: dict[uuid.UUID, str] = {}
    if grid_ids:
        for gid, name in await db.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(grid_ids))):
            names[gid] = name
    if building_ids:
        for bid, compound, name in await db.execute(
            select(Building.id, Building.compound, Building.name).where(Building.id.in_(building_ids))
        ):
            names[bid] = f"{compound}{name}"
    return names


def _place_of(p: Proposal, places: dict[uuid.UUID, str]) -> str | None:
    if p.building_id is not None:
        return places.get(p.building_id)
    if p.grid_id is not None:
        return places.get(p.grid_id)
    return None


async def _supported_by(db: AsyncSession, user_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await db.execute(
        select(ProposalSupport.proposal_id).where(
            ProposalSupport.user_id == user_id, ProposalSupport.proposal_id.in_(ids)
        )
    )
    return set(rows.scalars())


def _summary_fields(
    p: Proposal, who: Principal, names: dict[uuid.UUID, str], places: dict[uuid.UUID, str], supported: bool
) -> dict[str, Any]:
    urgency = Urgency(p.urgency)
    return {
        "id": p.id,
        "community_id": p.community_id,
        "title": p.title,
        "status": p.status,
        "status_label": PROPOSAL_STATUS_LABELS[p.status],
        "urgency": urgency,
        "urgency_label": URGENCY_LABELS[urgency],
        "support_count": p.support_count,
        "flagged": p.flagged_at is not None,
        "author_name": names.get(p.author_id, ""),
        "mine": p.author_id == who.id,
        "supported": supported,
        "grid_id": p.grid_id,
        "building_id": p.building_id,
        "place": _place_of(p, places),
        "created_at": p.created_at,
    }


async def render(db: AsyncSession, p: Proposal, who: Principal) -> ProposalOut:
    staff = who.is_staff_of(p.community_id)
    events_q = select(ProposalEvent).where(ProposalEvent.proposal_id == p.id)
    if not staff:
        events_q = events_q.where(ProposalEvent.public.is_(True))
    events = list((await db.execute(events_q.order_by(ProposalEvent.seq))).scalars())
    names = await names_of(db, {p.author_id} | {e.actor_id for e in events if e.actor_id})
    places = await _places(db, [p])
    supported = bool(await _supported_by(db, who.id, [p.id]))
    following = (
        await db.execute(
            select(func.count()).where(ProposalFollow.proposal_id == p.id, ProposalFollow.user_id == who.id)
        )
    ).scalar_one() > 0
    photo_rows = (
        await db.execute(
            select(ProposalPhoto)
            .where(ProposalPhoto.proposal_id == p.id)
            .order_by(ProposalPhoto.created_at, ProposalPhoto.id)
        )
    ).scalars()
    return ProposalOut(
        **_summary_fields(p, who, names, places, supported),
        description=p.description,
        following=following,
        support_threshold=rules().support_threshold,
        answer=p.answer,
        answered_at=p.answered_at,
        merged_into_id=p.merged_into_id,
        ticket_id=p.ticket_id,
        ticket_number=p.ticket_number,
        meeting_id=p.meeting_id,
        outcome=p.outcome,
        outcome_label=OUTCOME_LABELS[TopicOutcome(p.outcome)] if p.outcome else None,
        decision_id=p.decision_id,
        photos=[photo_out(ph) for ph in photo_rows],
        timeline=[
            ProposalEventOut(
                seq=e.seq,
                kind=e.kind,
                body=e.body,
                public=e.public,
                actor_name=names.get(e.actor_id) if e.actor_id else None,
                created_at=e.created_at,
            )
            for e in events
        ],
        updated_at=p.updated_at,
    )


# ---------------------------------------------------------------- proposing, reading


async def _place(
    db: AsyncSession, who: Principal, community_id: uuid.UUID, body: ProposalIn
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(grid_id, building_id) the proposal concerns, both of its community (else 404 like the grid's)."""
    if body.building_id is not None:
        building = await grid_service.get_building(db, who, body.building_id)
        if building.community_id != community_id:
            raise grid_errors.BuildingNotFound()
        if body.grid_id is not None and body.grid_id != building.grid_id:
            raise grid_errors.GridNotFound()
        return building.grid_id, building.id
    if body.grid_id is not None:
        grid = await grid_service.grid_of(db, body.grid_id)
        if grid is None or grid.community_id != community_id:
            raise grid_errors.GridNotFound()
        return grid.id, None
    return None, None


async def create_proposal(db: AsyncSession, who: Principal, body: ProposalIn) -> ProposalOut:
    """群众下单: a resident puts a matter to their own community."""
    if who.community_id is None:
        raise NotAResident()
    community_id = who.community_id
    grid_id, building_id = await _place(db, who, community_id, body)
    now = clock.now()
    p = Proposal(
        id=uuid.uuid4(),
        community_id=community_id,
        author_id=who.id,
        title=body.title,
        description=body.description,
        grid_id=grid_id,
        building_id=building_id,
        urgency=int(body.urgency),
        status=S.open,
        support_count=0,
        created_at=now,
        updated_at=now,
    )
    db.add(p)
    await db.flush()
    db.add(ProposalFollow(proposal_id=p.id, user_id=who.id, created_at=now))
    await event(db, p, who.id, "proposed", f"提出议事提议：{p.title}")
    return await render(db, p, who)


async def read_proposal(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    return await render(db, await load(db, who, proposal_id), who)


async def list_proposals(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    sort: ProposalSort = ProposalSort.supports,
    status: ProposalStatus | None = None,
    flagged: bool | None = None,
    mine: bool = False,
    community_id: uuid.UUID | None = None,
) -> Page[ProposalSummary]:
    """Proposals the caller may see, by supports, urgency or newest first."""
    after = params.after(int, datetime, uuid.UUID)
    rank = _rank(sort)
    query = select(Proposal).where(visible(who))
    if status is not None:
        query = query.where(Proposal.status == status)
    if flagged is not None:
        query = query.where(Proposal.flagged_at.is_not(None) if flagged else Proposal.flagged_at.is_(None))
    if mine:
        query = query.where(Proposal.author_id == who.id)
    if community_id is not None:
        query = query.where(Proposal.community_id == community_id)
    if after is not None:
        query = query.where(func.row(rank, Proposal.created_at, Proposal.id) < func.row(*after))
    query = query.order_by(rank.desc(), Proposal.created_at.desc(), Proposal.id.desc()).limit(
        params.limit + 1
    )
    rows = list((await db.execute(query)).scalars())
    page = page_of(rows, params, lambda p: [_rank_of(p, sort), p.created_at, p.id])
    items: list[Proposal] = page.items
    names = await names_of(db, {p.author_id for p in items})
    places = await _places(db, items)
    supported = await _supported_by(db, who.id, [p.id for p in items])
    return Page[ProposalSummary](
        items=[ProposalSummary(**_summary_fields(p, who, names, places, p.id in supported)) for p in items],
        next_cursor=page.next_cursor,
    )


async def withdraw_proposal(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    """The author withdraws a proposal staff have not answered yet (撤回)."""
    p = await load(db, who, proposal_id, lock=True)
    if p.author_id != who.id:
        raise NotProposalAuthor()
    if p.status is not S.open:
        raise ProposalInvalidTransition(current_status=p.status.value)
    p.status = S.withdrawn
    p.updated_at = clock.now()
    await event(db, p, who.id, "withdrawn", "提议人撤回了提议")
    return await render(db, p, who)
