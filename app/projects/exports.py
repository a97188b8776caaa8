"""A call's applications, ranking and money as CSV / XLSX (staff): amounts in yuan with two decimals."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.exports import Export, yuan
from app.identity.principal import Principal
from app.models.identity import User
from app.models.project_delivery import Project
from app.models.projects import Organisation, ProjectApplication
from app.projects import calls
from app.projects.applications import centi_text, mean_review_centi
from app.projects.schemas import APPLICATION_LABELS, CALL_KIND_LABELS

HEADER = [
    "排名",
    "项目",
    "申报人",
    "申报组织",
    "类别",
    "状态",
    "评审得分",
    "票数",
    "综合得分",
    "申请金额（元）",
    "立项金额（元）",
    "已支出（元）",
]
MONEY = {9: "0.00", 10: "0.00", 11: "0.00"}


async def call_file(db: AsyncSession, who: Principal, call_id: uuid.UUID) -> Export:
    call = await calls.load(db, who, call_id, staff=True)
    rows = (
        await db.execute(
            select(ProjectApplication, User.name, Organisation.name, Project.spent_fen)
            .join(User, User.id == ProjectApplication.applicant_id)
            .outerjoin(Organisation, Organisation.id == ProjectApplication.organisation_id)
            .outerjoin(Project, Project.application_id == ProjectApplication.id)
            .where(ProjectApplication.call_id == call.id, ProjectApplication.status.in_(calls.SUBMITTED))
            .order_by(
                ProjectApplication.rank.nulls_last(), ProjectApplication.submitted_at, ProjectApplication.id
            )
        )
    ).all()
    lines = []
    for app, applicant, organisation, spent in rows:
        lines.append(
            [
                app.rank,
                app.title,
                applicant,
                organisation or "",
                app.category,
                APPLICATION_LABELS[app.status],
                centi_text(await mean_review_centi(db, app.id)),
                app.votes,
                centi_text(app.score_centi),
                yuan(app.requested_fen),
                yuan(app.funded_fen) if app.funded_fen is not None else None,
                yuan(spent) if spent is not None else None,
            ]
        )
    return Export(
        filename=f"项目征集-{call.title}",
        title="项目征集",
        header=HEADER,
        rows=lines,
        preamble=[
            ["征集", call.title, CALL_KIND_LABELS[call.kind]],
            ["预算上限（元）", yuan(call.budget_cap_fen), "已立项（元）", yuan(call.funded_fen)],
            ["导出时间", clock.local_text(clock.now(), clock.EXPORT)],
        ],
        formats=MONEY,
    )
