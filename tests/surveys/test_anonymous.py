"""Anonymous means anonymous: the tables hold no path from an answer to a person."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.platform import AuditEntry, IdempotencyRecord
from app.models.surveys import SurveyChannel, SurveyParticipation, SurveyResponse
from tests.support.factories import World, auth
from tests.support.grid import make_address, make_building
from tests.support.surveys import API, answer, published_survey

ANSWER_TABLES = ("survey_responses", "survey_answers")


async def _foreign_keys(db: AsyncSession) -> list[tuple[str, str, str]]:
    """(table, column, referenced table) of every foreign key of the survey tables."""
    rows = await db.execute(
        text(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
            WHERE c.contype = 'f' AND c.conrelid::regclass::text LIKE 'survey_%'
            """
        )
    )
    return [(t, col, ref) for t, col, ref in rows.all()]


async def _row(db: AsyncSession, table: str, where: str, **params: Any) -> list[dict[str, Any]]:
    rows = await db.execute(text(f"SELECT * FROM {table} WHERE {where}"), params)
    return [dict(r._mapping) for r in rows]


async def test_no_column_joins_an_anonymous_answer_to_a_person(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    building = await make_building(db, world.grid, name="5栋")
    await make_address(db, world.resident, building, room="501")
    s = await published_survey(client, world.staff, anonymous=True)
    r = await answer(client, world.resident, s["id"], key="anon-1")
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["response_id"] is None
    assert receipt["anonymous"] is True
    r = await answer(client, world.staff, s["id"], on_behalf_of=str(world.neighbour.id), channel="paper")
    assert r.status_code == 201
    assert r.json()["response_id"] is None

    # 1. The schema: no foreign key links the answer tables and the "has answered" table either way.
    fks = await _foreign_keys(db)
    assert not [fk for fk in fks if fk[0] in ANSWER_TABLES and fk[2] == "survey_participations"]
    assert not [fk for fk in fks if fk[0] == "survey_participations" and fk[2] in ANSWER_TABLES]
    # 2. Every column of the answer tables that refers to users is NULL for this survey's responses.
    user_columns = [col for table, col, ref in fks if table == "survey_responses" and ref == "users"]
    assert sorted(user_columns) == ["entered_by", "respondent_id"]
    responses = await _row(db, "survey_responses", "survey_id = :s", s=s["id"])
    assert len(responses) == 2
    for row in responses:
        assert all(row[c] is None for c in user_columns)
        assert row["submitted_at"] is None  # no time to line up with anything
    answers = await _row(
        db,
        "survey_answers",
        "response_id IN (SELECT id FROM survey_responses WHERE survey_id = :s)",
        s=s["id"],
    )
    assert len(answers) == 16
    # 3. The "has answered" rows share no value with any response or answer row but the survey id.
    participations = await _row(db, "survey_participations", "survey_id = :s", s=s["id"])
    assert {p["user_id"] for p in participations} == {world.resident.id, world.neighbour.id}
    for p in participations:
        assert (p["answered_at"], p["channel"], p["entered_by"]) == (None, None, None)
        p_values = {str(v) for k, v in p.items() if v is not None and k not in ("anonymous",)}
        for other in responses + answers:
            o_values = {str(v) for k, v in other.items() if v is not None and k not in ("anonymous",)}
            assert p_values & o_values <= {s["id"]}, (p, other)
    # 4. Nothing else that names the person holds a response id: not the idempotency replay, not the audit.
    response_ids = {str(row["id"]) for row in responses}
    stored = (await db.execute(select(IdempotencyRecord.response_body))).scalars().all()
    audits = (await db.execute(select(AuditEntry.detail, AuditEntry.target_id))).all()
    haystack = json.dumps([*stored, *[[d, t] for d, t in audits]], default=str)
    assert not any(rid in haystack for rid in response_ids)


async def _insert(db: AsyncSession, row: object) -> None:
    async with db.begin_nested():
        db.add(row)
        await db.flush()


async def test_the_database_refuses_a_named_row_in_an_anonymous_response(
    db: AsyncSession, world: World
) -> None:
    survey_id = await db.scalar(
        text(
            "INSERT INTO surveys (id, community_id, title, description, status, anonymous, one_per, "
            "audience_grid_ids, audience_building_ids, created_by, created_at, updated_at, published_at) "
            "VALUES (gen_random_uuid(), :c, '匿名', '', 'published', true, 'resident', '{}', '{}', :u, now(), now(), now()) "
            "RETURNING id"
        ),
        {"c": world.community.id, "u": world.staff.id},
    )
    named_response = SurveyResponse(
        survey_id=survey_id, anonymous=True, respondent_id=world.resident.id, channel=SurveyChannel.online
    )
    timed_participation = SurveyParticipation(
        survey_id=survey_id, user_id=world.resident.id, anonymous=True, channel=SurveyChannel.paper
    )
    for row in (named_response, timed_participation):
        with pytest.raises(IntegrityError, match="anonymous_has_no"):
            await _insert(db, row)


async def test_anonymous_still_one_per_person(client: AsyncClient, db: AsyncSession, world: World) -> None:
    s = await published_survey(client, world.staff, anonymous=True)
    assert (await answer(client, world.resident, s["id"])).status_code == 201
    r = await answer(client, world.resident, s["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "already_answered"
    r = await client.get(f"{API}/{s['id']}", headers=auth(world.resident))
    assert r.json()["answered"] is True
    count = await db.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == s["id"])
    )
    assert count == 1
