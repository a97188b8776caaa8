"""Keyset (cursor) pagination: `?limit=&cursor=` in, `{items, next_cursor}` out."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.errors import ValidationFailed, _

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    cursor: str | None

    def position(self) -> list[Any] | None:
        """The decoded cursor: the sort key values of the last item of the previous page."""
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


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    message = _("分页游标无效", "The cursor is invalid")


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def _page_params(
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
