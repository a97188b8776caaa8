"""`Idempotency-Key` for POSTs that create or move value: a replay returns the first response.

The key row is inserted at the start of the request's own transaction. A concurrent duplicate blocks on
the primary key until the first request commits (then replays its stored response) or rolls back (then
runs itself). A failed request stores nothing, so the client may retry it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert

from app.core import clock
from app.core.database import DB
from app.core.errors import DomainError, IdempotencyKeyReused, _
from app.core.security import sha256_hex
from app.core.settings import get_settings
from app.models.platform import IdempotencyRecord

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Client-chosen key (1–255 chars); a retry with the same key returns the first response.",
    ),
]


class IdempotencyKeyRequired(DomainError):
    status = 400
    code = "idempotency_key_required"
    message = _("此操作需要 Idempotency-Key 请求头", "This operation requires an Idempotency-Key header")


class StoredJSONResponse(JSONResponse):
    """A JSON response whose body is already rendered bytes (a replay), sent as they are."""

    def render(self, content: object) -> bytes:
        if isinstance(content, bytes):
            return content
        return super().render(content)


_RECORDS = cast(Table, IdempotencyRecord.__table__)


def rendered(out: type[BaseModel], result: Any, status_code: int) -> StoredJSONResponse:
    """`result` validated as `out` and rendered once by pydantic-core (compact UTF-8 JSON, the bytes
    `json.dumps(model_dump(mode="json"), ensure_ascii=False)` gives, without the intermediate dicts)."""
    model = result if type(result) is out else out.model_validate(result)
    return StoredJSONResponse(model.model_dump_json().encode(), status_code=status_code)


class Idempotency:
    def __init__(self, db: Any, key: str | None, request_hash: str) -> None:
        self.db = db
        self.key = key
        self.request_hash = request_hash
        self.owner: str | None = None

    async def run(
        self,
        owner: str,
        out: type[BaseModel],
        work: Callable[[], Awaitable[Any]],
        status_code: int = 201,
    ) -> JSONResponse:
        """Run `work` once per (owner, key); serialise its result with `out`; replay it on retries.

        Two plain statements on the request's connection around the work: the claim (an INSERT that a
        concurrent duplicate blocks on) and the stored answer (an UPDATE of that row).
        """
        if self.key is None:
            return rendered(out, await work(), status_code)
        conn = await self.db.connection()
        key_matches = (_RECORDS.c.owner == owner) & (_RECORDS.c.key == self.key)
        inserted = await conn.execute(
            insert(_RECORDS)
            .values(owner=owner, key=self.key, request_hash=self.request_hash, created_at=clock.now())
            .on_conflict_do_nothing()
            .returning(_RECORDS.c.key)
        )
        if inserted.scalar_one_or_none() is None:
            existing = (
                await conn.execute(
                    select(
                        _RECORDS.c.created_at,
                        _RECORDS.c.request_hash,
                        _RECORDS.c.status_code,
                        _RECORDS.c.response_body,
                    ).where(key_matches)
                )
            ).one()
            ttl = timedelta(hours=get_settings().idempotency_ttl_hours)
            if existing.created_at < clock.now() - ttl:
                # An expired key is a new request: take it over.
                await conn.execute(
                    update(_RECORDS)
                    .where(key_matches)
                    .values(
                        request_hash=self.request_hash,
                        status_code=None,
                        response_body=None,
                        created_at=clock.now(),
                    )
                )
            elif existing.request_hash != self.request_hash:
                raise IdempotencyKeyReused()
            elif existing.status_code is not None:
                # The stored bytes, not a re-serialisation: a replay is byte-identical to the first answer.
                return StoredJSONResponse(
                    (existing.response_body or "").encode(),
                    status_code=existing.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
        response = rendered(out, await work(), status_code)
        conn = await self.db.connection()
        await conn.execute(
            update(_RECORDS)
            .where(key_matches)
            .values(status_code=status_code, response_body=bytes(response.body).decode())
        )
        return response


async def _idempotency(request: Request, db: DB, key: KeyHeader = None) -> Idempotency:
    raw = await request.body()
    return Idempotency(db, key, sha256_hex(request.method.encode() + request.url.path.encode() + b"\n" + raw))


async def _required_idempotency(request: Request, db: DB, key: KeyHeader = None) -> Idempotency:
    if key is None:
        raise IdempotencyKeyRequired()
    return await _idempotency(request, db, key)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
RequiredIdempotency = Annotated[Idempotency, Depends(_required_idempotency)]
