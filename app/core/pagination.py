"""Keyset (cursor) pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.

A cursor is the sort key of the last item of the previous page, JSON-encoded and base64url'd. Services read
it back **typed** with `params.after(datetime, uuid.UUID)`: the values in the declared types, or None on
the first page. Anything else — not base64, not JSON, the wrong length, a value that is not a date, a
UUID, a string or an integer as declared — is 422 `invalid_cursor`, never a 500 further down.

    at, last_id = params.after(datetime, uuid.UUID) or (None, None)
    ...
    return page_of(rows, params, lambda r: [r.created_at, r.id])
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar, overload

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.errors import ValidationFailed, _

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    message = _("分页游标无效", "The cursor is invalid")


def _typed(value: Any, kind: type[Any]) -> Any:
    """One cursor value in `kind`, or InvalidCursor."""
    try:
        if kind is datetime:
            if not isinstance(value, str):
                raise InvalidCursor()
            at = datetime.fromisoformat(value)
            # Every cursor we write is aware; a naive one is forged. Compare in UTC.
            if at.tzinfo is None:
                raise InvalidCursor()
            return at.astimezone(UTC)
        if kind is date:
            if not isinstance(value, str):
                raise InvalidCursor()
            return date.fromisoformat(value)
        if kind is uuid.UUID:
            if not isinstance(value, str):
                raise InvalidCursor()
            return uuid.UUID(value)
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**63 - 1:
                raise InvalidCursor()
            return value
        if kind is str:
            if not isinstance(value, str) or "\x00" in value:
                raise InvalidCursor()
            return value
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidCursor() from exc
    raise TypeError(f"cursor values of type {kind!r} are not supported")


class PageParams(BaseModel):
    limit: int
    cursor: str | None

    def position(self) -> list[Any] | None:
        """The decoded cursor, untyped. Prefer `after(...)`, which checks the types."""
        if not self.cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(self.cursor.encode() + b"=" * (-len(self.cursor) % 4))
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidCursor() from exc
        if not isinstance(value, list):
            raise InvalidCursor()
        return value

    @overload
    def after(self, a: type[A], /) -> tuple[A] | None: ...
    @overload
    def after(self, a: type[A], b: type[B], /) -> tuple[A, B] | None: ...
    @overload
    def after(self, a: type[A], b: type[B], c: type[C], /) -> tuple[A, B, C] | None: ...

    def after(self, *kinds: type[Any]) -> tuple[Any, ...] | None:
        """The cursor's values in the declared types (datetime, date, uuid.UUID, str, int), or None when
        there is no cursor. A cursor of another length or with a value of another type: InvalidCursor."""
        position = self.position()
        if position is None:
            return None
        if len(position) != len(kinds):
            raise InvalidCursor()
        return tuple(_typed(value, kind) for value, kind in zip(position, kinds, strict=True))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(values: list[Any]) -> str:
    """A cursor from sort key values (datetimes, dates and UUIDs are written as ISO text / strings)."""
    plain = [_plain(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, default=str).encode()).decode().rstrip("=")


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (max 100)")] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="Opaque cursor from next_cursor")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


Pagination = Annotated[PageParams, Depends(_page_params)]


def page_of(rows: list[Any], params: PageParams, key: Any) -> Page[Any]:
    """Build a page from `limit + 1` fetched rows; `key(row)` gives the sort key list of a row."""
    has_more = len(rows) > params.limit
    items = rows[: params.limit]
    next_cursor = encode_cursor(key(items[-1])) if has_more and items else None
    return Page[Any](items=items, next_cursor=next_cursor)
