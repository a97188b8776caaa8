"""Panel members (居民评议团成员): residents appointed by staff for a term."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import NotFound
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.review import PanelMember
from app.platform import audit
from app.review.errors import AlreadyMember, NotAResident, PanelMemberNotFound
from app.review.schemas import MemberIn, MemberOut


def _out(m: PanelMember, name: str) -> MemberOut:
    today = clock.today()
    return MemberOut(
        id=m.id,
        community_id=m.community_id,
        user_id=m.user_id,
        name=name,
        term_start=m.term_start,
        term_end=m.term_end,
        active=m.term_start <= today <= m.term_end,
    )


async def is_member(db: AsyncSession, community_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """A panel member whose term covers today (Shanghai)."""
    today = clock.today()
    found = await db.scalar(
        select(PanelMember.id)
        .where(
            PanelMember.community_id == community_id,
            PanelMember.user_id == user_id,
            PanelMember.term_start <= today,
            PanelMember.term_end >= today,
        )
        .limit(1)
    )
    return found is not None


async def active_members(db: AsyncSession, community_id: uuid.UUID) -> list[uuid.UUID]:
    today = clock.today()
    rows = await db.execute(
        select(PanelMember.user_id)
        .where(
            PanelMember.community_id == community_id,
            PanelMember.term_start <= today,
            PanelMember.term_end >= today,
        )
        .distinct()
    )
    return list(rows.scalars())


async def appoint(db: AsyncSession, who: Principal, body: MemberIn) -> MemberOut:
    """Appoint a resident of the community for a term (staff); overlapping terms are 409."""
    community_id = acting_community(who, body.community_id)
    if body.term_end < body.term_start:
        raise NotAResident("term_end is before term_start")
    try:
        user = await identity.get_user(db, body.user_id)
    except NotFound:
        raise NotAResident() from None
    if user.community_id != community_id:
        raise NotAResident()
    overlapping = await db.scalar(
        select(PanelMember.id)
        .where(
            PanelMember.community_id == community_id,
            PanelMember.user_id == user.id,
            PanelMember.term_start <= body.term_end,
            PanelMember.term_end >= body.term_start,
        )
        .with_for_update()
        .limit(1)
    )
    if overlapping is not None:
        raise AlreadyMember()
    member = PanelMember(
        community_id=community_id,
        user_id=user.id,
        term_start=body.term_start,
        term_end=body.term_end,
        appointed_by=who.id,
        appointed_at=clock.now(),
    )
    db.add(member)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.member.appoint",
        target_type="panel_member",
        target_id=member.id,
        community_id=community_id,
        on_behalf_of=user.id,
    )
    return _out(member, user.name)


async def list_members(
    db: AsyncSession, who: Principal, community_id: uuid.UUID | None, active_only: bool
) -> list[MemberOut]:
    """The panel of a community: staff see every term; residents of it the members now in office."""
    if community_id is None:
        community_id = acting_community(who, None) if who.staff_communities else who.community_id
    if community_id is None:
        raise PanelMemberNotFound()
    staff = who.is_staff_of(community_id)
    if not staff and who.community_id != community_id:
        raise PanelMemberNotFound()
    query = select(PanelMember).where(PanelMember.community_id == community_id)
    if active_only or not staff:
        today = clock.today()
        query = query.where(PanelMember.term_start <= today, PanelMember.term_end >= today)
    rows = list((await db.execute(query.order_by(PanelMember.term_start, PanelMember.id))).scalars())
    return [_out(m, (await identity.get_user(db, m.user_id)).name) for m in rows]


async def end_term(db: AsyncSession, who: Principal, member_id: uuid.UUID) -> MemberOut:
    """End a member's term today (staff)."""
    member = (
        await db.execute(select(PanelMember).where(PanelMember.id == member_id).with_for_update())
    ).scalar_one_or_none()
    if member is None or not who.is_staff_of(member.community_id):
        raise PanelMemberNotFound()
    today = clock.today()
    member.term_end = max(member.term_start, min(member.term_end, today))
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.member.end",
        target_type="panel_member",
        target_id=member.id,
        community_id=member.community_id,
    )
    return _out(member, (await identity.get_user(db, member.user_id)).name)
