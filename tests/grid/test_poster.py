"""The poster: an A4 PDF whose text holds the board's names and phones and whose QR opens the report page.

The QR code is decoded from the image embedded in the PDF itself (pypdf extracts it, zxing-cpp reads it).
"""

from __future__ import annotations

import io

import httpx
import zxingcpp
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.grid import BoardRole
from tests.support.factories import World, auth
from tests.support.grid import make_address, make_building, make_entry

API = "/api/v1"


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def qr_codes(body: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(body)).pages:
        for image in page.images:
            found += [code.text for code in zxingcpp.read_barcodes(image.image)]
    return found


async def test_the_poster_shows_names_and_phones_and_its_qr_opens_the_report_page(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await make_building(db, world.grid, compound="桃源居", name="3栋")
    await make_entry(
        db, community=world.community, role=BoardRole.property, name="桃源物业", phone="0755-86000001"
    )
    await make_entry(
        db, community=world.community, grid=world.grid, role=BoardRole.grid_worker, name="林晓",
        phone="0755-86000003", duties="巡查、矛盾调解、政策咨询",
    )  # fmt: skip
    await make_address(db, world.resident, home)
    r = await client.get(f"{API}/buildings/{home.id}/poster.pdf", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    text = pdf_text(r.content)
    for expected in (
        "服务信息栏",
        "桃源居 3栋",
        "甲一网格",
        "网格员",
        "林晓",
        "0755-86000003",
        "桃源物业",
        "0755-86000001",
    ):
        assert expected in text, expected
    assert qr_codes(r.content) == [f"pages/report/index?building_id={home.id}"]


async def test_a_long_board_runs_over_pages_each_with_the_qr(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await make_building(db, world.grid)
    for n in range(30):
        await make_entry(
            db, community=world.community, role=BoardRole.merchant, name=f"商户{n:02d}", phone=f"0755-8600{n:04d}",
            duties="便民服务，" * 12, position=n,
        )  # fmt: skip
    r = await client.get(f"{API}/buildings/{home.id}/poster.pdf", headers=auth(world.staff))
    pages = len(PdfReader(io.BytesIO(r.content)).pages)
    assert pages > 1
    assert len(qr_codes(r.content)) == pages
    assert "商户29" in pdf_text(r.content)


async def test_a_grids_posters_come_as_one_pdf_for_staff_of_its_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    buildings = [await make_building(db, world.grid, name=f"{n}栋") for n in (1, 2, 3)]
    await make_entry(db, community=world.community, grid=world.grid, role=BoardRole.grid_worker, name="林晓")
    r = await client.get(f"{API}/grids/{world.grid.id}/posters.pdf", headers=auth(world.staff))
    assert r.status_code == 200
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 3
    assert sorted(qr_codes(r.content)) == sorted(f"pages/report/index?building_id={b.id}" for b in buildings)
    r = await client.get(f"{API}/grids/{world.grid.id}/posters.pdf", headers=auth(world.other_staff))
    assert r.status_code == 404
    r = await client.get(f"{API}/grids/{world.grid.id}/posters.pdf", headers=auth(world.resident))
    assert r.status_code == 403
