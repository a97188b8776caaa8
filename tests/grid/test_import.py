"""Building import: good, bad and repeated files; bounded; hostile files are 422, never 500."""

from __future__ import annotations

import asyncio
import io
import zipfile

import httpx
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import OrgKind
from tests.support.factories import World, auth, make_unit, make_world
from tests.support.grid import make_building

API = "/api/v1"
GOOD = "小区,楼栋,网格,单元数,楼层数\n桃源居,1栋,甲一网格,2,18\n桃源居,2栋,甲一网格,,\n阳光花园,A座,甲二网格,3,32\n"


async def _import(
    client: httpx.AsyncClient, who: object, content: bytes, name: str = "b.csv"
) -> httpx.Response:
    return await client.post(
        f"{API}/buildings/import",
        files={"file": (name, content, "text/csv")},
        headers=auth(who),  # type: ignore[arg-type]
    )


async def _names(client: httpx.AsyncClient, world: World) -> list[tuple[str, str, int | None]]:
    r = await client.get(f"{API}/buildings?limit=100", headers=auth(world.staff))
    return [(b["compound"], b["name"], b["floors"]) for b in r.json()["items"]]


async def test_a_good_csv_imports_and_importing_it_again_changes_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_unit(db, OrgKind.grid, world.community, name="甲二网格")
    r = await _import(client, world.staff, GOOD.encode("utf-8-sig"))
    assert r.status_code == 200, r.text
    assert r.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    again = await _import(client, world.staff, GOOD.encode("utf-8"))
    assert again.json() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    changed = GOOD.replace("桃源居,1栋,甲一网格,2,18", "桃源居,1栋,甲二网格,2,20")
    r = await _import(client, world.staff, changed.encode("gb18030"))  # Excel's Chinese CSV
    assert r.json() == {"rows": 3, "created": 0, "updated": 1, "unchanged": 2}
    assert await _names(client, world) == [
        ("桃源居", "1栋", 20),
        ("桃源居", "2栋", None),
        ("阳光花园", "A座", 32),
    ]


async def test_an_xlsx_with_english_headers_imports(client: httpx.AsyncClient, world: World) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["grid", "compound", "building", "floors"])
    sheet.append(["甲一网格", "桃源居", "5栋", 11.0])
    sheet.append([None, None, None, None])
    sheet.append(["甲一网格", "桃源居", "6栋", 12])
    out = io.BytesIO()
    book.save(out)
    r = await _import(client, world.staff, out.getvalue(), "b.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    assert await _names(client, world) == [("桃源居", "5栋", 11), ("桃源居", "6栋", 12)]


async def test_a_bad_file_imports_nothing_and_names_every_bad_line(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_building(db, world.grid, compound="老村", name="9栋")
    bad = (
        "小区,楼栋,网格,单元数,楼层数\n"
        "桃源居,1栋,甲一网格,2,18\n"  # fine
        "桃源居,,甲一网格,2,18\n"  # line 3: no building
        "桃源居,3栋,没有的网格,2,18\n"  # line 4: unknown grid
        "桃源居,4栋,甲一网格,二,18\n"  # line 5: units not a number
        "桃源居,1栋,甲一网格,2,18\n"  # line 6: duplicate of line 2
        "桃源居,7栋,甲一网格,2,999\n"  # line 7: floors out of range
    )
    r = await _import(client, world.staff, bad.encode())
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_invalid"
    assert [(e["line"], e["field"]) for e in body["bad_rows"]] == [
        (3, "楼栋"), (4, "网格"), (5, "单元数"), (6, "楼栋"), (7, "楼层数"),
    ]  # fmt: skip
    assert "第 2 行" in body["bad_rows"][3]["reason"]
    assert await _names(client, world) == [("老村", "9栋", 18)]


async def test_hostile_files_are_422_not_500(client: httpx.AsyncClient, world: World) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<a>" + b"x" * 50_000_000 + b"</a>")
    many = "小区,楼栋,网格\n" + "".join(f"桃源居,{n}栋,甲一网格\n" for n in range(5002))
    cases = {
        "not a workbook": (b"PK\x03\x04garbage", "x.xlsx"),
        "zip bomb": (bomb.getvalue(), "x.xlsx"),
        "binary": (bytes(range(256)) * 10, "x.csv"),
        "NUL": (b"\xef\xbb\xbf\xe5\xb0\x8f\xe5\x8c\xba,\x00\n", "x.csv"),
        "empty": (b"", "x.csv"),
        "no header": (b"a,b,c\n1,2,3\n", "x.csv"),
        "too many rows": (many.encode(), "x.csv"),
        "too big": (b"x" * (2 * 1024 * 1024 + 10), "x.csv"),
        "control chars": ("小区,楼栋,网格\n桃\x01源,1栋,甲一网格\n".encode(), "x.csv"),
    }
    for label, (content, name) in cases.items():
        r = await _import(client, world.staff, content, name)
        assert r.status_code == 422, (label, r.status_code, r.text[:300])
        assert r.json()["code"] in ("import_invalid", "import_too_large"), label


async def test_only_staff_import_and_only_into_their_community(
    client: httpx.AsyncClient, world: World
) -> None:
    assert (await _import(client, world.resident, GOOD.encode())).status_code == 403
    r = await client.post(
        f"{API}/buildings/import?community_id={world.community.id}",
        files={"file": ("b.csv", GOOD.encode(), "text/csv")},
        headers=auth(world.other_staff),
    )
    assert r.status_code == 404


async def test_two_racing_imports_of_one_file_create_each_building_once(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await make_unit(live_db, OrgKind.grid, world.community, name="甲二网格")
    await live_db.commit()
    answers = await asyncio.gather(*(_import(live_client, world.staff, GOOD.encode()) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert sorted(a.json()["created"] for a in answers) == [0, 0, 3]
