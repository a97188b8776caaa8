"""Photos: only real images, at most 10 MB and 9 per ticket, EXIF stripped, served only within scope."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.tickets import Ticket
from tests.support.factories import TEST_SETTINGS, World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app: FastAPI, tmp_path: Path) -> None:
    app.state.settings = TEST_SETTINGS.model_copy(update={"linli_data_dir": tmp_path})


@pytest.fixture
async def ticket(db: AsyncSession, world: World) -> Ticket:
    return await make_ticket(db, await make_category(db, world.community), world.resident)


def jpeg_with_exif(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamMaker"  # Make
    exif[0x0110] = "SecretModel"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (22.0, 32.0, 10.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


async def _upload(
    client: httpx.AsyncClient, ticket_id: object, who: object, data: bytes, name: str = "a.jpg"
):  # type: ignore[no-untyped-def]
    return await client.post(
        f"{API}/tickets/{ticket_id}/attachments",
        files={"file": (name, data, "image/jpeg")},
        headers=auth(who),  # type: ignore[arg-type]
    )


async def test_reporter_uploads_a_photo_and_its_exif_is_stripped(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    raw = jpeg_with_exif()
    assert b"SecretCamMaker" in raw
    r = await _upload(client, ticket.id, world.resident, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (800, 600)

    got = await client.get(body["url"], headers=auth(world.resident))
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/jpeg"
    assert b"SecretCamMaker" not in got.content
    with Image.open(io.BytesIO(got.content)) as clean:
        assert clean.format == "JPEG"
        assert dict(clean.getexif()) == {}
        assert "exif" not in clean.info

    thumb = await client.get(body["thumbnail_url"], headers=auth(world.staff))
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) <= 320

    listed = await client.get(f"{API}/tickets/{ticket.id}/attachments", headers=auth(world.staff))
    assert [a["id"] for a in listed.json()] == [body["id"]]


async def test_png_is_accepted_and_stays_png(client: httpx.AsyncClient, world: World, ticket: Ticket) -> None:
    r = await _upload(client, ticket.id, world.staff, png(), "a.png")
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"


async def test_something_that_is_not_an_image_is_refused(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    for data in (b"%PDF-1.4 not an image", b"\xff\xd8\xff\xe0 truncated jpeg", b""):
        r = await _upload(client, ticket.id, world.resident, data)
        assert r.status_code == 422, data
        assert r.json()["code"] == "not_an_image"
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    r = await _upload(client, ticket.id, world.resident, gif.getvalue(), "a.gif")
    assert r.json()["code"] == "not_an_image"


async def test_a_photo_over_10_mb_is_refused(client: httpx.AsyncClient, world: World, ticket: Ticket) -> None:
    r = await _upload(client, ticket.id, world.resident, jpeg_with_exif() + b"\0" * (10 * 1024 * 1024))
    assert r.status_code == 413
    assert r.json()["code"] == "attachment_too_large"


async def test_at_most_nine_photos_per_ticket(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    small = png()
    for _ in range(9):
        assert (await _upload(client, ticket.id, world.resident, small, "a.png")).status_code == 201
    r = await _upload(client, ticket.id, world.resident, small, "a.png")
    assert r.status_code == 409
    assert r.json()["code"] == "too_many_attachments"


async def test_photos_are_only_for_those_who_may_see_the_ticket(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    body = (await _upload(client, ticket.id, world.resident, png(), "a.png")).json()
    assert (await client.get(body["url"], headers=auth(world.neighbour))).status_code == 404
    assert (await client.get(body["url"], headers=auth(world.other_staff))).status_code == 404
    assert (await client.get(body["url"])).status_code == 401
    assert (await _upload(client, ticket.id, world.neighbour, png(), "a.png")).status_code == 404
