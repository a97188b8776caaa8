"""Helpers for community-project tests: calls, applications and organisations driven through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import OrgUnit, User
from app.models.projects import CallCriterion, CallKind, CallStatus, ProjectCall
from tests.support.factories import auth

API = "/api/v1"

# Real-shaped unified social credit codes (GB 32100): both check characters hold.
VALID_CODES = ("91350100M000100Y43", "91110000600037341L", "52440300MJL000008P")


def call_body(**extra: Any) -> dict[str, Any]:
    now = clock.now()
    return {
        "kind": "minsheng",
        "title": "2026年民生微实事",
        "description": "面向社区居民和社会组织征集民生微实事项目",
        "budget_cap_fen": 10_000_000,
        "categories": ["为老服务", "儿童关爱", "环境美化"],
        "criteria": [
            {"name": "需求迫切性", "weight": 40, "max_score": 10},
            {"name": "方案可行性", "weight": 35, "max_score": 10},
            {"name": "预算合理性", "weight": 25, "max_score": 10},
        ],
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=10)).isoformat(),
    } | extra


def voting_call_body(**extra: Any) -> dict[str, Any]:
    now = clock.now()
    return (
        call_body(
            voting_opens_at=(now + timedelta(days=11)).isoformat(),
            voting_closes_at=(now + timedelta(days=18)).isoformat(),
            votes_per_resident=2,
            vote_weight=20,
        )
        | extra
    )


def application_body(**extra: Any) -> dict[str, Any]:
    return {
        "title": "长者助餐点",
        "category": "为老服务",
        "summary": "为独居长者提供午餐",
        "plan": "每周五天在邻里中心提供午餐，志愿者送餐上门",
        "beneficiaries": "社区80岁以上独居长者",
        "beneficiaries_count": 40,
        "budget_lines": [
            {"item": "餐具", "quantity": 40, "unit": "套", "unit_price_fen": 2500},
            {"item": "食材补贴", "quantity": 200, "unit": "份", "unit_price_fen": 1200},
        ],
        "milestones": [{"title": "助餐点开放"}, {"title": "中期回访"}, {"title": "总结评估"}],
    } | extra


async def new_call(client: httpx.AsyncClient, staff: User, **extra: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/project-calls", json=call_body(**extra), headers=auth(staff))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def new_application(
    client: httpx.AsyncClient, call_id: str, who: User, *, submit: bool = True, **extra: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/project-calls/{call_id}/applications", json=application_body(**extra), headers=auth(who)
    )
    assert r.status_code == 201, r.text
    if submit:
        r = await client.post(f"{API}/project-applications/{r.json()['id']}/submit", headers=auth(who))
        assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def make_call(db: AsyncSession, community: OrgUnit, staff: User, **extra: Any) -> ProjectCall:
    """A published call accepting applications, built directly (for tests that need only its id)."""
    now = clock.now()
    call = ProjectCall(
        id=uuid.uuid4(),
        community_id=community.id,
        kind=CallKind.minsheng,
        title="民生微实事",
        status=CallStatus.open,
        budget_cap_fen=1_000_000,
        funded_fen=0,
        categories=["为老服务"],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        created_by=staff.id,
        **extra,
    )
    db.add(call)
    await db.flush()
    db.add(CallCriterion(call_id=call.id, seq=1, name="需求", weight=100, max_score=10))
    await db.flush()
    return call


async def eligible(client: httpx.AsyncClient, staff: User, application_id: str) -> None:
    r = await client.post(
        f"{API}/project-applications/{application_id}/eligibility",
        json={"eligible": True},
        headers=auth(staff),
    )
    assert r.status_code == 200, r.text


async def add_reviewer(
    client: httpx.AsyncClient, staff: User, call_id: str, user: User, kind: str = "staff"
) -> None:
    r = await client.post(
        f"{API}/project-calls/{call_id}/reviewers",
        json={"user_id": str(user.id), "kind": kind},
        headers=auth(staff),
    )
    assert r.status_code == 201, r.text


async def score(
    client: httpx.AsyncClient, call: dict[str, Any], application_id: str, reviewer: User, marks: list[int]
) -> httpx.Response:
    scores = {c["id"]: m for c, m in zip(call["criteria"], marks, strict=True)}
    return await client.post(
        f"{API}/project-applications/{application_id}/reviews",
        json={"scores": scores, "no_conflict": True},
        headers=auth(reviewer),
    )


def one_line(item: str, fen: int) -> list[dict[str, Any]]:
    return [{"item": item, "quantity": 1, "unit": "项", "unit_price_fen": fen}]


async def funded_project(
    client: httpx.AsyncClient, staff: User, applicant: User, **application: Any
) -> dict[str, Any]:
    """A call with one eligible application, funded: the project's public page (as the applicant)."""
    call = await new_call(client, staff)
    app = await new_application(client, call["id"], applicant, **application)
    await eligible(client, staff, app["id"])
    clock.freeze(clock.now() + timedelta(days=11))
    r = await client.post(f"{API}/project-calls/{call['id']}/fund", json={}, headers=auth(staff))
    assert r.status_code == 200, r.text
    project_id = r.json()["ranking"][0]["project_id"]
    r = await client.get(f"{API}/projects/{project_id}", headers=auth(applicant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]
