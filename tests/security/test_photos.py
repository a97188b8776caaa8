"""Issue #18 point 5: photo uploads are bounded in pixels, formats, memory and concurrency."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import photos
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


def _encoded(size: tuple[int, int], fmt: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, format=fmt)
    return out.getvalue()


async def _upload(client: httpx.AsyncClient, ticket: Ticket, who: object, data: bytes) -> httpx.Response:
    return await client.post(
        f"{API}/tickets/{ticket.id}/attachments",
        files={"file": ("a.png", data, "image/png")},
        headers=auth(who),  # type: ignore[arg-type]
    )


async def test_a_small_file_of_too_many_pixels_is_422_image_too_large(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    bomb = _encoded((6300, 6300), "PNG", "1")  # a few KB on the wire, 40 MP once decoded
    assert len(bomb) < 200_000
    started = time.perf_counter()
    r = await _upload(client, ticket, world.resident, bomb)
    assert r.status_code == 422
    assert r.json()["code"] == "image_too_large"
    assert time.perf_counter() - started < 1.0  # refused from the header, nothing decoded


async def test_a_phone_photo_is_kept_but_reduced_while_decoding(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    r = await _upload(client, ticket, world.resident, _encoded((4000, 3000), "JPEG"))  # 12 MP
    assert r.status_code == 201, r.text
    assert (r.json()["width"], r.json()["height"]) == (2560, 1920)  # stored at most 2560 px a side


def test_big_png_is_reduced_to_the_stored_size() -> None:
    result = photos.process_image(_encoded((3000, 4000), "PNG"))
    assert max(result.width, result.height) == photos.MAX_SIDE


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
async def test_only_jpeg_png_webp_are_decoded(
    client: httpx.AsyncClient, world: World, ticket: Ticket, fmt: str
) -> None:
    r = await _upload(client, ticket, world.resident, _encoded((64, 64), fmt))
    assert r.status_code == 422
    assert r.json()["code"] == "not_an_image"


async def test_at_most_two_photos_are_processed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak = [0], [0]
    lock = threading.Lock()
    real = photos.process_image

    def tracked(raw: bytes) -> photos.Processed:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        try:
            return real(raw)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(photos, "process_image", tracked)
    small = _encoded((32, 32), "PNG")
    done = await asyncio.gather(*(photos.clean_photo(small) for _ in range(9)))
    assert len(done) == 9
    assert peak[0] == photos.WORKERS == 2
