"""Point 5: an upload whose request rolls back leaves no orphan file in storage."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import proposal_photos
from app.core.errors import Conflict
from app.projects import execution
from app.tickets import attachments
from tests.support.consultation import new_proposal
from tests.support.factories import TEST_SETTINGS, World, auth
from tests.support.projects import funded_project
from tests.support.tickets import make_category, make_ticket
from tests.tickets.test_photos import jpeg_with_exif

API = "/api/v1"


@pytest.fixture
def uploads(app: FastAPI, tmp_path: Path) -> Path:
    app.state.settings = TEST_SETTINGS.model_copy(update={"linli_data_dir": tmp_path})
    return tmp_path / "uploads"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def _post(client: httpx.AsyncClient, ticket_id: object, world: World) -> httpx.Response:
    return await client.post(
        f"{API}/tickets/{ticket_id}/attachments",
        files={"file": ("a.jpg", jpeg_with_exif(), "image/jpeg")},
        headers=auth(world.resident),
    )


async def test_a_refused_upload_after_the_file_was_written_leaves_no_file(
    client: httpx.AsyncClient, db: AsyncSession, world: World, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await db.flush()

    async def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict()  # a rule that says no after the photo reached storage: the request rolls back

    monkeypatch.setattr(attachments, "add_event", refuse)
    r = await _post(client, ticket.id, world)
    assert r.status_code == 409, r.text
    assert _files(uploads) == []

    monkeypatch.undo()
    ok = await _post(client, ticket.id, world)
    assert ok.status_code == 201, ok.text
    assert len(_files(uploads)) == 2  # the photo and its thumbnail, only those of the kept upload


async def test_an_upload_failing_unexpectedly_leaves_no_file(
    app: FastAPI, db: AsyncSession, world: World, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await db.flush()

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(attachments, "add_event", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await _post(c, ticket.id, world)
    assert r.status_code == 500
    assert _files(uploads) == []


@pytest.mark.parametrize("domain", ["proposal", "project"])
async def test_proposal_and_project_photos_rolled_back_leave_no_file(
    client: httpx.AsyncClient, world: World, uploads: Path, monkeypatch: pytest.MonkeyPatch, domain: str
) -> None:
    """Every domain stores photos through app.core.photos.store_photo, so every rollback cleans up."""
    if domain == "proposal":
        target = await new_proposal(client, world.resident)
        url = f"{API}/proposals/{target['id']}/photos"
        module: object = proposal_photos
    else:
        target = await funded_project(client, world.staff, world.resident)
        url = f"{API}/projects/{target['id']}/photos"
        module = execution.public

    def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict()  # after the files were written and the row flushed: the request rolls back

    monkeypatch.setattr(module, "photo_out", refuse)
    photo = {"file": ("a.jpg", jpeg_with_exif(), "image/jpeg")}
    r = await client.post(url, files=photo, headers=auth(world.resident))
    assert r.status_code == 409, r.text
    assert _files(uploads) == []
    monkeypatch.undo()
    ok = await client.post(url, files=photo, headers=auth(world.resident))
    assert ok.status_code == 201, ok.text
    assert len(_files(uploads)) == 2
