"""Helpers for survey tests: a questionnaire with every question type, driven through the API."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.surveys import QuestionKind, Survey, SurveyQuestion, SurveyStatus
from tests.support.factories import World, auth

API = "/api/v1/surveys"


def every_kind() -> list[dict[str, Any]]:
    """One question of each type, and a condition: q3 only when q2 includes "park"."""
    return [
        {
            "key": "q1",
            "kind": "single",
            "title": "您在本社区居住多久了？",
            "required": True,
            "options": [
                {"key": "a", "label": "1年以内"},
                {"key": "b", "label": "1-5年"},
                {"key": "c", "label": "5年以上"},
            ],
        },
        {
            "key": "q2",
            "kind": "multiple",
            "title": "您最希望增加哪些服务？（选1-2项）",
            "required": True,
            "min_choices": 1,
            "max_choices": 2,
            "options": [
                {"key": "canteen", "label": "长者食堂"},
                {"key": "park", "label": "停车位"},
                {"key": "care", "label": "日间照料"},
            ],
        },
        {
            "key": "q3",
            "kind": "short_text",
            "title": "您家有几辆车，停在哪里？",
            "required": True,
            "show_if": {"question": "q2", "any_of": ["park"]},
        },
        {"key": "q4", "kind": "long_text", "title": "其他意见建议"},
        {"key": "q5", "kind": "scale", "title": "对社区服务的满意度", "scale": "1-5", "required": True},
        {"key": "q6", "kind": "scale", "title": "您向邻居推荐邻里中心的可能性", "scale": "0-10"},
        {"key": "q7", "kind": "number", "title": "家中常住人口", "number_min": 1, "number_max": 20},
        {
            "key": "q8",
            "kind": "ranking",
            "title": "请按重要程度排序",
            "options": [
                {"key": "x", "label": "安全"},
                {"key": "y", "label": "卫生"},
                {"key": "z", "label": "停车"},
            ],
        },
    ]


def full_answers(**overrides: Any) -> dict[str, Any]:
    return {
        "q1": "b",
        "q2": ["canteen", "park"],
        "q3": "两辆，停在路边",
        "q4": "希望加装电梯",
        "q5": 4,
        "q6": 9,
        "q7": 3,
        "q8": ["x", "z", "y"],
    } | overrides


async def new_survey(client: httpx.AsyncClient, staff: User, **body: Any) -> dict[str, Any]:
    payload = {"title": "社区服务需求调查", "description": "请花3分钟填写", "questions": every_kind()} | body
    r = await client.post(API, json=payload, headers=auth(staff))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def published_survey(client: httpx.AsyncClient, staff: User, **body: Any) -> dict[str, Any]:
    s = await new_survey(client, staff, **body)
    r = await client.post(f"{API}/{s['id']}/publish", headers=auth(staff))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def answer(
    client: httpx.AsyncClient, user: User, survey_id: str, answers: dict[str, Any] | None = None, **extra: Any
) -> httpx.Response:
    body = {"answers": full_answers() if answers is None else answers} | extra
    headers = auth(user)
    if "key" in extra:
        headers["Idempotency-Key"] = body.pop("key")
    return await client.post(f"{API}/{survey_id}/responses", json=body, headers=headers)


async def make_survey(
    db: AsyncSession, world: World, status: SurveyStatus = SurveyStatus.published
) -> Survey:
    """A survey of the world's community with one long-text question, built directly (no API)."""
    survey = Survey(
        community_id=world.community.id,
        title="意见征集",
        status=status,
        created_by=world.staff.id,
        published_at=clock.now() if status is not SurveyStatus.draft else None,
    )
    db.add(survey)
    await db.flush()
    db.add(
        SurveyQuestion(
            survey_id=survey.id, position=1, key="q1", kind=QuestionKind.long_text, title="意见建议"
        )
    )
    await db.flush()
    return survey
