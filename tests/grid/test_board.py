"""The service board (服务信息栏): order, staleness, who sees which board, no residents' phones."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.grid import BoardRole
from tests.grid.test_poster import pdf_text
from tests.support.factories import World, auth, make_unit
from tests.support.grid import make_address, make_building, make_entry

API = "/api/v1"


async def _board_world(db: AsyncSession, world: World):  # type: ignore[no-untyped-def]
    home = await make_building(db, world.grid, name="3栋")
    c = world.community
    await make_entry(db, community=c, role=BoardRole.property, name="桃源物业", phone="0755-86000001")
    await make_entry(db, community=c, role=BoardRole.community_staff, name="王社工", phone="0755-86000002")
    await make_entry(
        db, community=c, grid=world.grid, role=BoardRole.grid_worker, name="网格员小林", phone="0755-86000003"
    )
    await make_entry(
        db, community=c, building=home, role=BoardRole.building_lead, name="楼栋长陈伯", phone="0755-86000004"
    )
    await make_entry(
        db, community=c, building=home, role=BoardRole.merchant, name="邻里便利店", phone="0755-86000005"
    )
    return home


async def test_a_buildings_board_is_its_own_then_grid_then_community_in_role_order(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await _board_world(db, world)
    elsewhere = await make_building(db, await make_unit(db, world.grid.kind, world.community), name="9栋")
    await make_entry(
        db, community=world.community, building=elsewhere, role=BoardRole.building_lead, name="别栋长"
    )
    await make_address(db, world.resident, home)
    r = await client.get(f"{API}/me/board", headers=auth(world.resident))
    assert r.status_code == 200, r.text
    board = r.json()
    assert [(e["level"], e["role_label"], e["name"]) for e in board["entries"]] == [
        ("building", "楼栋长", "楼栋长陈伯"),
        ("building", "商户", "邻里便利店"),
        ("grid", "网格员", "网格员小林"),
        ("community", "社区工作人员", "王社工"),
        ("community", "物业", "桃源物业"),
    ]
    assert board["qr_payload"] == f"pages/report/index?building_id={home.id}"
    assert board["building"]["name"] == "3栋"


async def test_residents_see_only_their_own_buildings_board(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await _board_world(db, world)
    other = await make_building(db, world.grid, name="5栋")
    await make_address(db, world.resident, home)
    await make_address(db, world.neighbour, other)
    assert (
        await client.get(f"{API}/buildings/{home.id}/board", headers=auth(world.resident))
    ).status_code == 200
    for who in (world.neighbour, world.other_resident, world.other_staff):
        r = await client.get(f"{API}/buildings/{home.id}/board", headers=auth(who))
        assert (r.status_code, r.json()["code"]) == (404, "building_not_found")
        assert (
            await client.get(f"{API}/buildings/{home.id}/poster.pdf", headers=auth(who))
        ).status_code == 404
    assert (
        await client.get(f"{API}/buildings/{home.id}/board", headers=auth(world.staff))
    ).status_code == 200
    r = await client.get(f"{API}/me/board", headers=auth(world.other_resident))
    assert (r.status_code, r.json()["code"]) == (404, "address_not_found")


async def test_entries_not_verified_for_90_days_are_flagged_stale_until_verified(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    old = await make_entry(db, community=world.community, role=BoardRole.police, name="警务室")
    clock.advance(timedelta(days=91))
    fresh = await make_entry(db, community=world.community, role=BoardRole.property, name="物业")
    listed = (await client.get(f"{API}/board-entries", headers=auth(world.staff))).json()
    assert {e["name"]: e["stale"] for e in listed} == {"警务室": True, "物业": False}
    stale = (await client.get(f"{API}/board-entries?stale=true", headers=auth(world.staff))).json()
    assert [e["id"] for e in stale] == [str(old.id)]
    r = await client.post(f"{API}/board-entries/{old.id}/verify", headers=auth(world.staff))
    assert r.json()["stale"] is False
    assert r.json()["verified_by"] == str(world.staff.id)
    assert (await client.get(f"{API}/board-entries?stale=true", headers=auth(world.staff))).json() == []
    assert fresh.id
    # Residents never get staff's list; another community's staff cannot verify.
    assert (await client.get(f"{API}/board-entries", headers=auth(world.resident))).status_code == 403
    r = await client.post(f"{API}/board-entries/{old.id}/verify", headers=auth(world.other_staff))
    assert (r.status_code, r.json()["code"]) == (404, "board_entry_not_found")


async def test_staff_put_lines_on_each_level_and_change_them(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await make_building(db, world.grid)
    staff = auth(world.staff)
    bodies = [
        {"role": "community_staff", "name": "王社工", "phone": "0755-86001111", "duties": "民政、社保"},
        {"grid_id": str(world.grid.id), "role": "grid_worker", "name": "小林", "phone": "13800138000"},
        {"building_id": str(home.id), "role": "building_lead", "name": "陈伯", "hours": "每天傍晚"},
    ]
    made = []
    for body in bodies:
        r = await client.post(f"{API}/board-entries", json=body, headers=staff)
        assert r.status_code == 201, r.text
        made.append(r.json())
    assert [m["level"] for m in made] == ["community", "grid", "building"]
    r = await client.patch(
        f"{API}/board-entries/{made[0]['id']}", json={"hours": "9:00-17:30"}, headers=staff
    )
    assert r.json()["hours"] == "9:00-17:30"
    assert (await client.delete(f"{API}/board-entries/{made[2]['id']}", headers=staff)).status_code == 204
    r = await client.post(
        f"{API}/board-entries",
        json={"grid_id": str(world.grid.id), "building_id": str(home.id), "role": "other", "name": "x"},
        headers=staff,
    )
    assert (r.status_code, r.json()["code"]) == (422, "board_target_invalid")
    r = await client.post(
        f"{API}/board-entries", json={"building_id": str(home.id), "role": "other", "name": "x"},
        headers=auth(world.other_staff),
    )  # fmt: skip
    assert r.status_code == 404
    r = await client.post(
        f"{API}/board-entries", json={"role": "other", "name": "x", "phone": "abc"}, headers=staff
    )
    assert r.status_code == 422


async def test_residents_phone_numbers_never_appear_on_a_board(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await _board_world(db, world)
    await make_address(db, world.resident, home)
    await make_address(db, world.neighbour, home)
    # A resident's own number cannot be put on a board, however it is typed.
    for phone in (world.neighbour.phone, "139-0000-5678"):
        r = await client.post(
            f"{API}/board-entries",
            json={"building_id": str(home.id), "role": "building_lead", "name": "刘大爷", "phone": phone},
            headers=auth(world.staff),
        )
        assert (r.status_code, r.json()["code"]) == (422, "personal_phone_refused")
    board = await client.get(f"{API}/me/board", headers=auth(world.resident))
    poster = await client.get(f"{API}/buildings/{home.id}/poster.pdf", headers=auth(world.resident))
    assert poster.status_code == 200
    text = pdf_text(poster.content)
    for person in (world.resident, world.neighbour, world.other_resident):
        assert person.phone
        assert person.phone not in board.text
        assert person.phone not in text
