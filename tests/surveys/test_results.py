"""Results on a known data set, checked against figures computed by hand; text answers; exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.grid import Building
from app.models.identity import OrgKind, User
from tests.support.factories import World, auth, make_unit, make_user
from tests.support.grid import make_address, make_building
from tests.support.surveys import API, answer, published_survey

# Five responses. Hand-computed figures are in the test below each.
ANSWERS: list[dict[str, Any]] = [
    {
        "q1": "a",
        "q2": ["canteen", "park"],
        "q3": "两辆车",
        "q4": "加装电梯",
        "q5": 5,
        "q6": 10,
        "q7": 2,
        "q8": ["x", "y", "z"],
    },
    {"q1": "a", "q2": ["canteen"], "q4": "希望增加电梯", "q5": 4, "q6": 7, "q7": 3, "q8": ["y", "x", "z"]},
    {"q1": "b", "q2": ["care"], "q5": 3, "q7": 4.5, "q8": ["x", "z", "y"]},
    {"q1": "c", "q2": ["park"], "q3": "一辆", "q4": "=1+1", "q5": 2, "q6": 0, "q8": ["z", "y", "x"]},
    {"q1": "a", "q2": ["canteen", "care"], "q5": 5, "q6": 8},
]


@dataclass
class DataSet:
    survey: dict[str, Any]
    b1: Building
    b2: Building
    b3: Building
    grid2_id: str
    people: list[User]


async def data_set(client: AsyncClient, db: AsyncSession, world: World, **survey: Any) -> DataSet:
    """B1 (grid 1): 4 registered, 3 answer; B2 (grid 1): 2 registered, 1 answers (on paper);
    B3 (grid 2): 5 registered, none answer; one respondent has no address."""
    grid2 = await make_unit(db, OrgKind.grid, world.community, name="甲二网格")
    b1 = await make_building(db, world.grid, compound="桃源居", name="1栋")
    b2 = await make_building(db, world.grid, compound="桃源居", name="2栋")
    b3 = await make_building(db, grid2, compound="阳光花园", name="A座")
    r1, r2, r3, r4, r5 = (
        world.resident,
        world.neighbour,
        *[await make_user(db, community=world.community) for _ in range(3)],
    )
    for person, building in ((r1, b1), (r2, b1), (r3, b1), (r4, b2)):
        await make_address(db, person, building)
    await make_address(db, await make_user(db, community=world.community), b1)
    await make_address(db, await make_user(db, community=world.community), b2)
    for _ in range(5):
        await make_address(db, await make_user(db, community=world.community), b3)
    await db.flush()
    s = await published_survey(client, world.staff, **survey)
    people = [r1, r2, r3, r4, r5]
    for n, (person, answers) in enumerate(zip(people, ANSWERS, strict=True)):
        if n == 2:
            r = await answer(
                client, world.staff, s["id"], answers, on_behalf_of=str(person.id), channel="phone"
            )
        elif n == 3:
            r = await answer(
                client, world.staff, s["id"], answers, on_behalf_of=str(person.id), channel="paper"
            )
        else:
            r = await answer(client, person, s["id"], answers)
        assert r.status_code == 201, r.text
    return DataSet(s, b1, b2, b3, str(grid2.id), people)


def _q(results: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in results["questions"] if q["key"] == key)


def _opts(q: dict[str, Any], field: str = "percent") -> dict[str, Any]:
    return {o["key"]: (o["count"], o[field]) for o in q["options"]}


async def test_tallies_means_and_coverage_match_hand_computed_figures(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world)
    r = await client.get(f"{API}/{d.survey['id']}/results", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["responses"] == 5
    assert {c["channel"]: c["count"] for c in res["by_channel"]} == {"online": 3, "phone": 1, "paper": 1}
    # q1 single: a 3/5, b 1/5, c 1/5.
    assert _opts(_q(res, "q1")) == {"a": (3, 60.0), "b": (1, 20.0), "c": (1, 20.0)}
    # q2 multiple, percent of the 5 who answered: canteen 3, park 2, care 2.
    assert _opts(_q(res, "q2")) == {"canteen": (3, 60.0), "park": (2, 40.0), "care": (2, 40.0)}
    # q3 (shown only with park) and q4: free text, counted.
    assert (_q(res, "q3")["answered"], _q(res, "q3")["text_answers"]) == (2, 2)
    assert _q(res, "q4")["text_answers"] == 3
    # q5 scale 1-5: 5+4+3+2+5 = 19, mean 3.8; 5 twice.
    q5 = _q(res, "q5")
    assert (q5["mean"], q5["minimum"], q5["maximum"]) == (3.8, 2.0, 5.0)
    assert [(b["value"], b["count"], b["percent"]) for b in q5["distribution"]] == [
        (1, 0, 0.0),
        (2, 1, 20.0),
        (3, 1, 20.0),
        (4, 1, 20.0),
        (5, 2, 40.0),
    ]
    # q6 scale 0-10 (four answered): 10+7+0+8 = 25, mean 6.25; eleven points listed.
    q6 = _q(res, "q6")
    assert (q6["answered"], q6["mean"], q6["minimum"]) == (4, 6.25, 0.0)
    assert len(q6["distribution"]) == 11
    assert q6["distribution"][0] == {"value": 0, "count": 1, "percent": 25.0}
    # q7 number: 2 + 3 + 4.5 = 9.5 over 3 = 3.1666… → 3.17.
    assert (_q(res, "q7")["answered"], _q(res, "q7")["mean"]) == (3, 3.17)
    # q8 ranking (four answered): first places x 2, y 1, z 1; mean ranks x 7/4, y 8/4, z 9/4.
    q8 = _q(res, "q8")
    assert _opts(q8) == {"x": (2, 50.0), "y": (1, 25.0), "z": (1, 25.0)}
    assert {o["key"]: o["mean_rank"] for o in q8["options"]} == {"x": 1.75, "y": 2.0, "z": 2.25}
    # Coverage: B1 3/4, B2 1/2, B3 0/5; grid 1 4/6, grid 2 0/5; overall 4 placed / 11 registered.
    buildings = {
        b["name"]: (b["registered"], b["responses"], b["coverage"], b["coverage_percent"])
        for b in res["buildings"]
    }
    assert buildings == {
        "桃源居1栋": (4, 3, 0.75, 75.0),
        "桃源居2栋": (2, 1, 0.5, 50.0),
        "阳光花园A座": (5, 0, 0.0, 0.0),
    }
    grids = {g["name"]: (g["registered"], g["responses"], g["coverage"]) for g in res["grids"]}
    assert grids == {"甲一网格": (6, 4, 0.6667), "甲二网格": (5, 0, 0.0)}
    assert (res["registered"], res["unplaced"], res["coverage"]) == (11, 1, 0.3636)


async def test_results_of_one_building_or_grid(client: AsyncClient, db: AsyncSession, world: World) -> None:
    d = await data_set(client, db, world)
    r = await client.get(
        f"{API}/{d.survey['id']}/results", params={"building_id": str(d.b1.id)}, headers=auth(world.staff)
    )
    res = r.json()
    assert res["responses"] == 3
    assert _opts(_q(res, "q1")) == {"a": (2, 66.7), "b": (1, 33.3), "c": (0, 0.0)}
    assert _q(res, "q5")["mean"] == 4.0  # 5, 4, 3
    r = await client.get(
        f"{API}/{d.survey['id']}/results", params={"grid_id": d.grid2_id}, headers=auth(world.staff)
    )
    assert r.json()["responses"] == 0
    assert _q(r.json(), "q5")["mean"] is None


async def test_residents_read_results_once_published_with_small_cells_hidden(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world)
    sid = d.survey["id"]
    r = await client.get(f"{API}/{sid}/results", headers=auth(world.resident))
    assert r.status_code == 404
    assert r.json()["code"] == "survey_results_not_published"
    r = await client.post(f"{API}/{sid}/results/publish", headers=auth(world.staff))
    assert r.status_code == 409  # still open
    await client.post(f"{API}/{sid}/close", headers=auth(world.staff))
    r = await client.post(f"{API}/{sid}/results/publish", headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(f"{API}/{sid}/results/publish", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.json()["results_published"] is True
    assert (await client.post(f"{API}/{sid}/results/publish", headers=auth(world.staff))).status_code == 409
    r = await client.get(f"{API}/{sid}/results", headers=auth(world.resident))
    assert r.status_code == 200
    res = r.json()
    assert _opts(_q(res, "q1")) == {"a": (3, 60.0), "b": (1, 20.0), "c": (1, 20.0)}
    b1 = next(b for b in res["buildings"] if b["name"] == "桃源居1栋")
    assert (b1["responses"], b1["coverage"], b1["suppressed"]) == (None, None, True)  # 3 < 5
    b3 = next(b for b in res["buildings"] if b["name"] == "阳光花园A座")
    assert (b3["responses"], b3["suppressed"]) == (0, False)  # nobody answered: nothing to reveal
    r = await client.get(f"{API}/{sid}/results", headers=auth(world.other_resident))
    assert r.status_code == 404


async def test_anonymous_results_hide_small_cells_from_staff_too(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world, anonymous=True)
    res = (await client.get(f"{API}/{d.survey['id']}/results", headers=auth(world.staff))).json()
    assert res["responses"] == 5
    assert all(b["suppressed"] for b in res["buildings"] if b["name"] != "阳光花园A座")


async def test_text_answers_are_paged_and_searchable(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world)
    url = f"{API}/{d.survey['id']}/results/text"
    r = await client.get(url, params={"question": "q4", "limit": 2}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    first = r.json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    r = await client.get(
        url, params={"question": "q4", "limit": 2, "cursor": first["next_cursor"]}, headers=auth(world.staff)
    )
    rest = r.json()["items"]
    texts = sorted(i["text"] for i in first["items"] + rest)
    assert texts == sorted(["加装电梯", "希望增加电梯", "=1+1"])
    r = await client.get(url, params={"question": "q4", "q": "增加"}, headers=auth(world.staff))
    assert [i["text"] for i in r.json()["items"]] == ["希望增加电梯"]
    assert r.json()["items"][0]["building_name"] == "桃源居1栋"
    r = await client.get(url, params={"question": "q4", "q": "%"}, headers=auth(world.staff))
    assert r.json()["items"] == []  # a wildcard is searched as itself
    r = await client.get(url, params={"question": "q1"}, headers=auth(world.staff))
    assert r.status_code == 422
    r = await client.get(url, params={"question": "q4"}, headers=auth(world.resident))
    assert r.status_code == 404  # results not published


async def test_csv_export_one_row_per_response_with_names(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world)
    r = await client.get(
        f"{API}/{d.survey['id']}/export", params={"format": "csv"}, headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header_at = next(i for i, line in enumerate(lines) if line and line[0] == "序号")
    header, rows = lines[header_at], lines[header_at + 1 :]
    assert header[:6] == ["序号", "姓名", "提交时间", "录入人", "方式", "网格"]
    assert len(rows) == 5
    by_name = {row[1]: row for row in rows}
    zhang = by_name["张阿姨"]
    assert zhang[4] == "线上"
    assert zhang[6] == "桃源居1栋"
    assert zhang[header.index("2. 您最希望增加哪些服务？（选1-2项）")] == "长者食堂、停车位"
    assert zhang[header.index("8. 请按重要程度排序")] == "安全 > 卫生 > 停车"
    paper = next(row for row in rows if row[4] == "纸质")
    assert paper[3] == "王社工"
    assert paper[header.index("4. 其他意见建议")] == "'=1+1"  # formula injection defused
    r = await client.get(f"{API}/{d.survey['id']}/export", headers=auth(world.resident))
    assert r.status_code == 403


async def test_anonymous_xlsx_export_has_no_person(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    d = await data_set(client, db, world, anonymous=True)
    r = await client.get(
        f"{API}/{d.survey['id']}/export", params={"format": "xlsx"}, headers=auth(world.staff)
    )
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row and row[0] == "序号")
    assert values[header_at][:4] == ["序号", "方式", "网格", "楼栋"]
    assert len(values) - header_at - 1 == 5
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    for person in (*d.people, world.staff):
        assert person.name not in flat
