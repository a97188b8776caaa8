"""`Idempotency-Key` for POSTs that create or move value: a replay returns the first response.

The key row is inserted at the start of the request's own transaction. A concurrent duplicate blocks on
the primary key until the first request commits (then replays its stored response) or rolls back (then
runs itself). A failed request stores nothing, so the client may retry it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
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
        """Run `work` once per (owner, key); serialise its result with `out`; replay it on retries."""
        if self.key is None:
            result = await work()
            return JSONResponse(out.model_validate(result).model_dump(mode="json"), status_code=status_code)
        ttl = timedelta(hours=get_settings().idempotency_ttl_hours)
        inserted = await self.db.execute(
            insert(IdempotencyRecord)
            .values(owner=owner, key=self.key, request_hash=self.request_hash, created_at=clock.now())
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if inserted.scalar_one_or_none() is None:
            existing = (
                await self.db.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.owner == owner, IdempotencyRecord.key == self.key
                    )
                )
            ).scalar_one()
            if existing.created_at < clock.now() - ttl:
                # An expired key is a new request: take it over.
                await self.db.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == self.key)
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
        result = await work()
        response = JSONResponse(out.model_validate(result).model_dump(mode="json"), status_code=status_code)
        await self.db.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == self.key)
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
