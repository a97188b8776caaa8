"""Rectification items (整改): opened by other domains, followed with progress notes, closed by staff.

Other domains call `open_item(...)` inside their own transaction (a review round's close, a project's
acceptance …); the deadline is `deadline_workdays` working days after today on China's official
calendar (`app.core.workdays.add_workdays(clock.today(), n)`).

Who sees what:
- staff of the item's community: everything, every item;
- the owner (a user): their items, and they may add progress notes;
- residents of the community (panel members among them): the public fields of items whose source is
  published (`public`), read-only. Anything else is 404 `rectification_not_found`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from app.core.errors import NotFound
from app.core.pagination import Page, PageParams, page_of
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.rectifications import (
    RectificationItem,
    RectificationNote,
    RectificationSource,
    RectificationStatus,
)
from app.platform import audit
from app.rectifications.errors import (
    InvalidDeadline,
    NotRectificationOwner,
    RectificationClosed,
    RectificationNotFound,
    RectificationOwnerRequired,
)
from app.rectifications.schemas import (
    SOURCE_LABELS,
    STATUS_LABELS,
    CloseIn,
    NoteIn,
    NoteOut,
    RectificationOut,
)

SourceKind = Literal["review_round", "project", "decision", "survey"]


# ---------------------------------------------------------------- rendering


async def _name(db: AsyncSession, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    try:
        return (await identity.get_user(db, user_id)).name
    except NotFound:
        return ""


async def _render(
    db: AsyncSession, item: RectificationItem, notes: Sequence[RectificationNote], staff: bool
) -> RectificationOut:
    owner = item.owner_name or await _name(db, item.owner_user_id)
    return RectificationOut(
        id=item.id,
        community_id=item.community_id,
        source_kind=item.source_kind,
        source_label=SOURCE_LABELS[item.source_kind],
        source_id=item.source_id,
        title=item.title,
        detail=item.detail,
        owner_name=owner,
        status=item.status,
        status_label=STATUS_LABELS[item.status],
        opened_on=item.opened_on,
        deadline_workdays=item.deadline_workdays,
        deadline_on=item.deadline_on,
        overdue=item.status is RectificationStatus.open and item.deadline_on < clock.today(),
        closed_at=item.closed_at,
        closing_note=item.closing_note,
        notes=[
            NoteOut(id=n.id, body=n.body, author_name=await _name(db, n.author_id), created_at=n.created_at)
            for n in notes
        ],
        public=item.public,
        owner_user_id=item.owner_user_id if staff else None,
        opened_by=item.opened_by if staff else None,
    )


async def _notes_of(db: AsyncSession, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RectificationNote]]:
    out: dict[uuid.UUID, list[RectificationNote]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    rows = await db.execute(
        select(RectificationNote)
        .where(RectificationNote.item_id.in_(item_ids))
        .order_by(RectificationNote.created_at, RectificationNote.id)
    )
    for note in rows.scalars():
        out[note.item_id].append(note)
    return out


async def _out(db: AsyncSession, who: Principal | None, item: RectificationItem) -> RectificationOut:
    notes = (await _notes_of(db, [item.id]))[item.id]
    return await _render(db, item, notes, who is None or who.is_staff_of(item.community_id))


# ---------------------------------------------------------------- what other domains call


async def open_item(
    db: AsyncSession,
    *,
    community_id: uuid.UUID,
    source_kind: SourceKind | RectificationSource,
    source_id: uuid.UUID,
    title: str,
    detail: str,
    owner_user_id: uuid.UUID | None = None,
    owner_name: str | None = None,
    deadline_workdays: int,
    opened_by: uuid.UUID,
    public: bool = True,
) -> RectificationOut:
    """Open a rectification item due `deadline_workdays` working days after today (Shanghai).

    `public=False` keeps it from residents until `publish_source(...)` (for a source not yet published).
    """
    if owner_user_id is None and not (owner_name or "").strip():
        raise RectificationOwnerRequired()
    if not 1 <= deadline_workdays <= 250:
        raise InvalidDeadline()
    today = clock.today()
    item = RectificationItem(
        community_id=community_id,
        source_kind=RectificationSource(source_kind),
        source_id=source_id,
        public=public,
        title=title[:200],
        detail=detail,
        owner_user_id=owner_user_id,
        owner_name=(owner_name or "").strip()[:100] or None,
        status=RectificationStatus.open,
        opened_at=clock.now(),
        opened_on=today,
        deadline_workdays=deadline_workdays,
        deadline_on=workdays.add_workdays(today, deadline_workdays),
        opened_by=opened_by,
    )
    db.add(item)
    await db.flush()
    await audit.record(
        db,
        actor_id=opened_by,
        action="rectification.open",
        target_type="rectification",
        target_id=item.id,
        community_id=community_id,
        source_kind=item.source_kind.value,
        source_id=str(source_id),
    )
    return await _render(db, item, [], True)


async def publish_source(db: AsyncSession, source_kind: SourceKind, source_id: uuid.UUID) -> int:
    """Make a published source's items readable by residents; how many changed."""
    result = await db.execute(
        update(RectificationItem)
        .where(
            RectificationItem.source_kind == RectificationSource(source_kind),
            RectificationItem.source_id == source_id,
            RectificationItem.public.is_(False),
        )
        .values(public=True)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def items_for_sources(
    db: AsyncSession, source_kind: SourceKind, source_ids: Sequence[uuid.UUID]
) -> list[RectificationOut]:
    """Every item opened by these sources (unscoped: the caller has checked the sources)."""
    if not source_ids:
        return []
    rows = list(
        (
            await db.execute(
                select(RectificationItem)
                .where(
                    RectificationItem.source_kind == RectificationSource(source_kind),
                    RectificationItem.source_id.in_(list(source_ids)),
                )
                .order_by(RectificationItem.opened_at, RectificationItem.id)
            )
        ).scalars()
    )
    notes = await _notes_of(db, [r.id for r in rows])
    return [await _render(db, r, notes[r.id], False) for r in rows]


# ---------------------------------------------------------------- scope


def _visible(who: Principal) -> object:
    """The WHERE clause of the items `who` may read."""
    clauses = [RectificationItem.owner_user_id == who.id]
    if who.staff_communities:
        clauses.append(RectificationItem.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        clauses.append(
            and_(RectificationItem.community_id == who.community_id, RectificationItem.public.is_(True))
        )
    return or_(*clauses)


async def _item(
    db: AsyncSession, who: Principal, item_id: uuid.UUID, *, lock: bool = False
) -> RectificationItem:
    query = select(RectificationItem).where(RectificationItem.id == item_id, _visible(who))  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update()
    item = (await db.execute(query)).scalar_one_or_none()
    if item is None:
        raise RectificationNotFound()
    return item


# ---------------------------------------------------------------- endpoints


async def list_items(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    source_kind: RectificationSource | None = None,
    source_id: uuid.UUID | None = None,
    status: RectificationStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[RectificationOut]:
    """Items the caller may read, newest first."""
    position = params.after(datetime, uuid.UUID)
    query = select(RectificationItem).where(_visible(who))  # type: ignore[arg-type]
    if source_kind is not None:
        query = query.where(RectificationItem.source_kind == source_kind)
    if source_id is not None:
        query = query.where(RectificationItem.source_id == source_id)
    if status is not None:
        query = query.where(RectificationItem.status == status)
    if community_id is not None:
        query = query.where(RectificationItem.community_id == community_id)
    if position is not None:
        at, last_id = position
        query = query.where(
            or_(
                RectificationItem.opened_at < at,
                and_(RectificationItem.opened_at == at, RectificationItem.id < last_id),
            )
        )
    rows = list(
        (
            await db.execute(
                query.order_by(RectificationItem.opened_at.desc(), RectificationItem.id.desc()).limit(
                    params.limit + 1
                )
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda r: [r.opened_at, r.id])
    shown: list[RectificationItem] = page.items
    notes = await _notes_of(db, [r.id for r in shown])
    return Page[RectificationOut](
        items=[await _render(db, r, notes[r.id], who.is_staff_of(r.community_id)) for r in shown],
        next_cursor=page.next_cursor,
    )


async def get_item(db: AsyncSession, who: Principal, item_id: uuid.UUID) -> RectificationOut:
    return await _out(db, who, await _item(db, who, item_id))


async def add_note(db: AsyncSession, who: Principal, item_id: uuid.UUID, body: NoteIn) -> RectificationOut:
    """A progress note (整改进展) by staff of the community or the item's owner."""
    item = await _item(db, who, item_id, lock=True)
    if not (who.is_staff_of(item.community_id) or item.owner_user_id == who.id):
        raise NotRectificationOwner()
    if item.status is RectificationStatus.closed:
        raise RectificationClosed()
    db.add(RectificationNote(item_id=item.id, author_id=who.id, body=body.body, created_at=clock.now()))
    item.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="rectification.note",
        target_type="rectification",
        target_id=item.id,
        community_id=item.community_id,
    )
    return await _out(db, who, item)


async def close(db: AsyncSession, who: Principal, item_id: uuid.UUID, body: CloseIn) -> RectificationOut:
    """办结: staff of the community close the item with a note on how it was put right."""
    item = await _item(db, who, item_id, lock=True)
    if not who.is_staff_of(item.community_id):
        raise NotRectificationOwner()
    if item.status is RectificationStatus.closed:
        raise RectificationClosed()
    item.status = RectificationStatus.closed
    item.closed_at = clock.now()
    item.closed_by = who.id
    item.closing_note = body.note
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="rectification.close",
        target_type="rectification",
        target_id=item.id,
        community_id=item.community_id,
        overdue=item.deadline_on < clock.today(),
    )
    return await _out(db, who, item)
