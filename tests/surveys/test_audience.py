"""Who is asked: grids, buildings, a verified age, a role; one answer per household; paper entry."""

from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.grid import Building
from app.models.identity import OrgKind, Role, RoleGrant
from app.models.platform import AuditEntry
from app.models.surveys import SurveyResponse
from tests.support.factories import World, auth, make_unit, make_user
from tests.support.grid import make_address, make_building
from tests.support.surveys import API, answer, published_survey


async def _two_grids(db: AsyncSession, world: World) -> tuple[Building, Building]:
    other_grid = await make_unit(db, OrgKind.grid, world.community, name="甲二网格")
    b1 = await make_building(db, world.grid, name="1栋")
    b2 = await make_building(db, other_grid, name="2栋")
    await make_address(db, world.resident, b1, room="101")
    await make_address(db, world.neighbour, b2, room="201")
    await db.flush()
    return b1, b2


async def _sees_and_answers(client: AsyncClient, user: object, sid: str, ok: bool) -> None:
    r = await client.get(f"{API}/{sid}", headers=auth(user))  # type: ignore[arg-type]
    assert r.status_code == (200 if ok else 404), r.text
    listed = await client.get(API, headers=auth(user))  # type: ignore[arg-type]
    assert (sid in [i["id"] for i in listed.json()["items"]]) is ok
    r = await answer(client, user, sid)  # type: ignore[arg-type]
    assert r.status_code == (201 if ok else 404), r.text
    if not ok:
        assert r.json()["code"] == "survey_not_found"


async def test_a_grid_audience_excludes_residents_of_other_grids(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    await _two_grids(db, world)
    s = await published_survey(client, world.staff, audience={"grid_ids": [str(world.grid.id)]})
    await _sees_and_answers(client, world.resident, s["id"], True)
    await _sees_and_answers(client, world.neighbour, s["id"], False)
    await _sees_and_answers(client, world.other_resident, s["id"], False)


async def test_a_building_audience(client: AsyncClient, db: AsyncSession, world: World) -> None:
    _b1, b2 = await _two_grids(db, world)
    s = await published_survey(client, world.staff, audience={"building_ids": [str(b2.id)]})
    await _sees_and_answers(client, world.resident, s["id"], False)
    await _sees_and_answers(client, world.neighbour, s["id"], True)


async def test_min_age_counts_only_a_staff_verified_birth_date(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    declared = await make_user(
        db, community=world.community, birth_date=date(1940, 1, 1), birth_date_verified=False
    )
    young = await make_user(db, community=world.community, birth_date=date(2000, 1, 1))
    s = await published_survey(client, world.staff, audience={"min_age": 60})
    await _sees_and_answers(client, world.resident, s["id"], True)  # born 1950, verified
    await _sees_and_answers(client, declared, s["id"], False)  # older, but only self-declared
    await _sees_and_answers(client, young, s["id"], False)
    await _sees_and_answers(client, world.neighbour, s["id"], False)  # no birth date


async def test_a_role_audience(client: AsyncClient, db: AsyncSession, world: World) -> None:
    b1, _b2 = await _two_grids(db, world)
    db.add(
        RoleGrant(
            user_id=world.neighbour.id, role=Role.building_lead, org_unit_id=world.grid.id, building_id=b1.id
        )
    )
    await db.flush()
    s = await published_survey(client, world.staff, audience={"role": "building_lead"})
    await _sees_and_answers(client, world.resident, s["id"], False)
    await _sees_and_answers(client, world.neighbour, s["id"], True)


async def test_one_answer_per_household(client: AsyncClient, db: AsyncSession, world: World) -> None:
    b1 = await make_building(db, world.grid, name="9栋")
    await make_address(db, world.resident, b1, unit="1单元", room="301")
    await make_address(
        db, world.neighbour, b1, unit="１单元 ", room="301"
    )  # same household, typed differently
    third = await make_user(db, community=world.community)
    await make_address(db, third, b1, unit="1单元", room="302")
    homeless = await make_user(db, community=world.community)
    s = await published_survey(client, world.staff, one_per="household")
    assert (await answer(client, world.resident, s["id"])).status_code == 201
    r = await answer(client, world.neighbour, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "household_already_answered"
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.neighbour))
    assert r.json()["answered"] is True  # the household has
    assert (await answer(client, third, s["id"])).status_code == 201
    r = await answer(client, homeless, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "address_required"


async def test_staff_enter_a_paper_answer_with_channel_and_audit(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    s = await published_survey(client, world.staff)
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.resident.id), channel="paper")
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert (receipt["channel"], receipt["channel_label"], receipt["on_behalf_of"]) == (
        "paper",
        "纸质",
        str(world.resident.id),
    )
    response = await db.get(SurveyResponse, receipt["response_id"])
    assert response is not None
    assert (response.respondent_id, response.entered_by) == (world.resident.id, world.staff.id)
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "survey.response.entered"))
    ).scalar_one()
    assert (entry.actor_id, entry.on_behalf_of, entry.detail["channel"]) == (
        world.staff.id,
        world.resident.id,
        "paper",
    )
    # The same one-per-person rule: the resident cannot answer again online.
    r = await answer(client, world.resident, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "already_answered"
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.resident.id), channel="door")
    assert r.status_code == 409


async def test_entry_for_others_needs_a_role_a_channel_and_a_respondent_in_the_audience(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    s = await published_survey(client, world.staff, audience={"min_age": 60})
    r = await answer(client, world.neighbour, s["id"], on_behalf_of=str(world.resident.id), channel="paper")
    assert r.status_code in (403, 404)  # the neighbour is not in the audience either
    s2 = await published_survey(client, world.staff)
    r = await answer(client, world.neighbour, s2["id"], on_behalf_of=str(world.resident.id), channel="paper")
    assert r.status_code == 403
    assert r.json()["code"] == "not_surveyor"
    r = await answer(client, world.resident, s2["id"], channel="paper")  # a resident cannot claim paper
    assert r.status_code == 403
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.resident.id))
    assert r.status_code == 422
    assert r.json()["code"] == "channel_required"
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.neighbour.id), channel="phone")
    assert r.status_code == 422
    assert r.json()["code"] == "respondent_not_in_audience"
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.other_resident.id), channel="phone")
    assert r.status_code == 422
