"""Proposals (群众下单) through HTTP: propose, support, follow, photos, triage, ordering, scope."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.config import rules
from app.models.consultation import ProposalEvent
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from app.models.tickets import Ticket
from tests.support.consultation import API, new_proposal, triage
from tests.support.factories import TEST_SETTINGS, World, auth, make_user
from tests.support.grid import make_building
from tests.support.tickets import make_category


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app: FastAPI, tmp_path: Path) -> None:
    app.state.settings = TEST_SETTINGS.model_copy(update={"linli_data_dir": tmp_path})


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (640, 480), (30, 160, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def test_a_resident_proposes_for_a_building_and_neighbours_see_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid, name="3栋")
    p = await new_proposal(client, world.resident, building_id=str(building.id), urgency=2)
    assert p["status"] == "open"
    assert p["status_label"] == "待受理"
    assert p["urgency_label"] == "较急"
    assert p["community_id"] == str(world.community.id)
    assert p["grid_id"] == str(world.grid.id)
    assert p["place"] == "桃源居3栋"
    assert p["mine"] is True
    assert p["following"] is True
    assert p["author_name"] == "张阿姨"
    assert [e["kind"] for e in p["timeline"]] == ["proposed"]
    r = await client.get(f"{API}/proposals/{p['id']}", headers=auth(world.neighbour))
    assert r.status_code == 200
    assert r.json()["mine"] is False
    assert "phone" not in r.text
    assert "13900001234" not in r.text
    listed = (await client.get(f"{API}/proposals", headers=auth(world.staff))).json()["items"]
    assert [x["id"] for x in listed] == [p["id"]]


async def test_a_building_or_grid_of_another_community_is_refused(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    from tests.support.factories import make_unit

    other_grid = await make_unit(db, world.grid.kind, world.other_community, name="乙一网格")
    other_building = await make_building(db, other_grid)
    body = {"title": "路灯不亮"}
    r = await client.post(
        f"{API}/proposals", json=body | {"building_id": str(other_building.id)}, headers=auth(world.resident)
    )
    assert r.status_code == 404
    assert r.json()["code"] == "building_not_found"
    r = await client.post(
        f"{API}/proposals", json=body | {"grid_id": str(other_grid.id)}, headers=auth(world.resident)
    )
    assert r.status_code == 404
    assert r.json()["code"] == "grid_not_found"
    r = await client.post(
        f"{API}/proposals", json=body | {"grid_id": str(world.grid.id)}, headers=auth(world.resident)
    )
    assert r.status_code == 201
    assert r.json()["place"] == "甲一网格"


async def test_hostile_input_is_refused(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    for body in (
        {"title": ""},
        {"title": "x" * 201},
        {"title": "路灯\u0000不亮"},
        {"title": "路灯", "urgency": 9},
        {"title": "路灯", "status": "accepted"},
    ):
        r = await client.post(f"{API}/proposals", json=body, headers=auth(world.resident))
        assert r.status_code == 422, body
    nomad = await make_user(db, name="新用户")
    r = await client.post(f"{API}/proposals", json={"title": "路灯"}, headers=auth(nomad))
    assert r.status_code == 403
    assert r.json()["code"] == "not_a_resident"


async def test_support_once_withdraw_and_support_again(client: httpx.AsyncClient, world: World) -> None:
    p = await new_proposal(client, world.resident)
    url = f"{API}/proposals/{p['id']}/support"
    r = await client.post(url, headers=auth(world.neighbour))
    assert r.status_code == 200, r.text
    assert r.json()["support_count"] == 1
    assert r.json()["supported"] is True
    assert r.json()["following"] is True
    r = await client.post(url, headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "already_supported"
    r = await client.delete(url, headers=auth(world.neighbour))
    assert r.status_code == 200
    assert r.json()["support_count"] == 0
    assert r.json()["supported"] is False
    r = await client.delete(url, headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "not_supported"
    assert (await client.post(url, headers=auth(world.neighbour))).json()["support_count"] == 1


async def test_only_neighbours_support(client: httpx.AsyncClient, world: World) -> None:
    p = await new_proposal(client, world.resident)
    url = f"{API}/proposals/{p['id']}/support"
    r = await client.post(url, headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "own_proposal"
    r = await client.post(url, headers=auth(world.other_resident))
    assert r.status_code == 404
    assert r.json()["code"] == "proposal_not_found"


async def test_residents_of_another_community_get_404_throughout(
    client: httpx.AsyncClient, world: World
) -> None:
    p = await new_proposal(client, world.resident)
    base = f"{API}/proposals/{p['id']}"
    outsider = auth(world.other_resident)
    for method, url in (
        ("GET", base),
        ("POST", f"{base}/support"),
        ("DELETE", f"{base}/support"),
        ("POST", f"{base}/follow"),
        ("DELETE", f"{base}/follow"),
        ("POST", f"{base}/withdraw"),
    ):
        r = await client.request(method, url, headers=outsider)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["code"] == "proposal_not_found"
    r = await client.post(f"{base}/photos", files={"file": ("a.jpg", jpeg_with_exif())}, headers=outsider)
    assert r.status_code == 404
    assert (await client.get(f"{API}/proposals", headers=outsider)).json()["items"] == []
    r = await triage(client, world.other_staff, p["id"], "accept")
    assert r.status_code == 404
    # A resident of the community may read it but not triage it.
    r = await triage(client, world.neighbour, p["id"], "accept")
    assert r.status_code == 403


async def test_photos_are_cleaned_limited_to_nine_and_only_the_author_adds_them(
    client: httpx.AsyncClient, world: World
) -> None:
    p = await new_proposal(client, world.resident)
    url = f"{API}/proposals/{p['id']}/photos"
    r = await client.post(url, files={"file": ("a.jpg", jpeg_with_exif())}, headers=auth(world.neighbour))
    assert r.status_code == 403
    r = await client.post(url, files={"file": ("a.txt", b"not an image")}, headers=auth(world.resident))
    assert r.status_code == 422
    assert r.json()["code"] == "not_an_image"
    for _ in range(9):
        r = await client.post(url, files={"file": ("a.jpg", jpeg_with_exif())}, headers=auth(world.resident))
        assert r.status_code == 201, r.text
    r = await client.post(url, files={"file": ("a.jpg", jpeg_with_exif())}, headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "too_many_attachments"
    photo = (await client.get(f"{API}/proposals/{p['id']}", headers=auth(world.neighbour))).json()["photos"][
        0
    ]
    r = await client.get(photo["url"], headers=auth(world.neighbour))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert b"SecretCamMaker" not in r.content
    assert Image.open(io.BytesIO(r.content)).getexif().get(0x8825) is None
    r = await client.get(photo["thumbnail_url"], headers=auth(world.neighbour))
    assert r.status_code == 200
    r = await client.get(photo["url"], headers=auth(world.other_resident))
    assert r.status_code == 404


async def test_accept_puts_it_on_the_agenda_with_a_public_answer_told_to_followers(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    p = await new_proposal(client, world.resident)
    await client.post(f"{API}/proposals/{p['id']}/support", headers=auth(world.neighbour))
    r = await triage(client, world.staff, p["id"], "accept", "将提交本月协商议事会", urgency=3)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "accepted"
    assert out["urgency"] == 3
    assert out["answer"] == "将提交本月协商议事会"
    seen = (await client.get(f"{API}/proposals/{p['id']}", headers=auth(world.neighbour))).json()
    assert [e["kind"] for e in seen["timeline"]] == ["proposed", "urgency", "triage_accept"]
    assert "将提交本月协商议事会" in seen["timeline"][-1]["body"]
    told = (
        await db.execute(select(Notification.user_id).where(Notification.kind == "proposal.accept"))
    ).scalars()
    assert set(told) == {world.resident.id, world.neighbour.id}
    audited = (
        await db.execute(select(func.count()).where(AuditEntry.action == "proposal.accept"))
    ).scalar_one()
    assert audited == 1
    r = await triage(client, world.staff, p["id"], "decline")
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"
    # Supports still count while it waits for its meeting; the author can no longer withdraw it.
    assert (
        await client.post(f"{API}/proposals/{p['id']}/withdraw", headers=auth(world.resident))
    ).status_code == 409


async def test_decline_needs_a_reason_and_ends_supporting(client: httpx.AsyncClient, world: World) -> None:
    p = await new_proposal(client, world.resident)
    r = await client.post(
        f"{API}/proposals/{p['id']}/triage", json={"action": "decline"}, headers=auth(world.staff)
    )
    assert r.status_code == 422
    r = await triage(client, world.staff, p["id"], "decline", "该事项属于业主大会职权，请向业委会反映")
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert r.json()["status_label"] == "不予采纳"
    r = await client.post(f"{API}/proposals/{p['id']}/support", headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "proposal_not_supportable"


async def test_merge_moves_supporters_into_the_other_proposal(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    third = await make_user(db, name="孙阿姨", community=world.community)
    target = await new_proposal(client, world.neighbour, "东门加装充电桩")
    dup = await new_proposal(client, world.resident, "充电桩")
    await client.post(f"{API}/proposals/{dup['id']}/support", headers=auth(third))
    await client.post(f"{API}/proposals/{dup['id']}/support", headers=auth(world.neighbour))
    r = await triage(client, world.staff, dup["id"], "merge", "同一事项合并办理")
    assert r.status_code == 422
    assert r.json()["code"] == "triage_field_missing"
    r = await triage(client, world.staff, dup["id"], "merge", into_id=dup["id"])
    assert r.json()["code"] == "merge_target_invalid"
    r = await triage(client, world.staff, dup["id"], "merge", "同一事项合并办理", into_id=target["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "merged"
    assert r.json()["merged_into_id"] == target["id"]
    moved = (await client.get(f"{API}/proposals/{target['id']}", headers=auth(world.staff))).json()
    # The dup's author and its supporter join; the target's own author is not counted as a supporter.
    assert moved["support_count"] == 2
    assert "merged_in" in [e["kind"] for e in moved["timeline"]]
    # Into a closed proposal, or one of another community: refused.
    other = await new_proposal(client, world.other_resident, "乙社区的提议")
    lone = await new_proposal(client, third, "另一条")
    r = await triage(client, world.staff, lone["id"], "merge", into_id=dup["id"])
    assert r.json()["code"] == "merge_target_invalid"
    r = await triage(client, world.staff, lone["id"], "merge", into_id=other["id"])
    assert r.json()["code"] == "merge_target_invalid"


async def test_a_repair_becomes_a_hotline_ticket_for_its_author(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community, name="公共设施维修")
    building = await make_building(db, world.grid, name="5栋")
    p = await new_proposal(client, world.resident, "5栋楼道灯坏了", building_id=str(building.id))
    r = await triage(client, world.staff, p["id"], "ticket", "已转物业维修", category_id=str(category.id))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "ticketed"
    assert out["ticket_number"].startswith("GD")
    ticket = await db.get(Ticket, out["ticket_id"])
    assert ticket is not None
    assert ticket.reporter_id == world.resident.id
    assert ticket.channel.value == "hotline"
    assert ticket.building_id == building.id
    assert ticket.title == "5栋楼道灯坏了"
    # The author sees the ticket as their own.
    r = await client.get(f"{API}/tickets/{out['ticket_id']}", headers=auth(world.resident))
    assert r.status_code == 200
    assert out["ticket_number"] in out["timeline"][-1]["body"]
    # A category of another community is not found; nothing is half done.
    foreign = await make_category(db, world.other_community)
    p2 = await new_proposal(client, world.resident, "井盖松动")
    r = await triage(client, world.staff, p2["id"], "ticket", category_id=str(foreign.id))
    assert r.status_code == 404
    r = await triage(client, world.staff, p2["id"], "ticket")
    assert r.json()["code"] == "triage_field_missing"


async def test_the_threshold_flags_a_proposal_once_and_tells_staff(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("LINLI_CONSULTATION_SUPPORT_THRESHOLD", "2")
    rules.cache_clear()
    request.addfinalizer(rules.cache_clear)
    third = await make_user(db, name="孙阿姨", community=world.community)
    p = await new_proposal(client, world.resident)
    url = f"{API}/proposals/{p['id']}/support"
    assert (await client.post(url, headers=auth(world.neighbour))).json()["flagged"] is False
    r = await client.post(url, headers=auth(third))
    assert r.json()["flagged"] is True
    await client.delete(url, headers=auth(third))
    await client.post(url, headers=auth(third))
    flags = (
        await db.execute(
            select(func.count()).where(ProposalEvent.proposal_id == p["id"], ProposalEvent.kind == "flagged")
        )
    ).scalar_one()
    assert flags == 1
    told = (
        await db.execute(select(Notification.user_id).where(Notification.kind == "proposal.flagged"))
    ).scalars()
    assert list(told) == [world.staff.id]
    r = await client.get(f"{API}/proposals", params={"flagged": "true"}, headers=auth(world.staff))
    assert [x["id"] for x in r.json()["items"]] == [p["id"]]


async def test_ordering_by_supports_and_by_urgency_with_cursors(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    voters = [await make_user(db, community=world.community) for _ in range(3)]
    quiet = await new_proposal(client, world.resident, "安静的提议", urgency=3)
    popular = await new_proposal(client, world.resident, "热门提议", urgency=1)
    middle = await new_proposal(client, world.resident, "中等提议", urgency=2)
    for v in voters:
        await client.post(f"{API}/proposals/{popular['id']}/support", headers=auth(v))
    await client.post(f"{API}/proposals/{middle['id']}/support", headers=auth(voters[0]))

    async def walk(sort: str) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"sort": sort, "limit": "1"} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(f"{API}/proposals", params=params, headers=auth(world.neighbour))).json()
            seen += [x["title"] for x in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    assert await walk("supports") == ["热门提议", "中等提议", "安静的提议"]
    assert await walk("urgency") == ["安静的提议", "中等提议", "热门提议"]
    assert await walk("newest") == ["中等提议", "热门提议", "安静的提议"]
    assert quiet["id"]


async def test_the_author_withdraws_an_open_proposal(client: httpx.AsyncClient, world: World) -> None:
    p = await new_proposal(client, world.resident)
    r = await client.post(f"{API}/proposals/{p['id']}/withdraw", headers=auth(world.neighbour))
    assert r.status_code == 403
    r = await client.post(f"{API}/proposals/{p['id']}/withdraw", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    r = await triage(client, world.staff, p["id"], "accept")
    assert r.status_code == 409
