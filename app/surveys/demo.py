"""Demo surveys in 桃源社区: "2026年社区服务需求调查" (every question type) closed with its results published
and a few hundred responses spread over the demo buildings (some taken on paper and door to door), and
an open one, "加装电梯意向调查" (one per household), for the demo resident to answer."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.settings import get_settings
from app.demo import DemoWorld, _person
from app.grid import addresses
from app.grid import service as grid
from app.grid.schemas import AddressIn
from app.identity.principal import load_principal
from app.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyChannel,
    SurveyParticipation,
    SurveyResponse,
    SurveyStatus,
)
from app.surveys import reminders, service
from app.surveys.schemas import SurveyIn

RESPONDENTS = 240
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂英玉兰建国建华志强海燕丽华国庆明华"

QUESTIONS = [
    {
        "key": "years",
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
        "key": "needs",
        "kind": "multiple",
        "title": "您最希望增加哪些服务？（最多选2项）",
        "required": True,
        "max_choices": 2,
        "options": [
            {"key": "canteen", "label": "长者食堂"},
            {"key": "park", "label": "停车位"},
            {"key": "care", "label": "日间照料"},
            {"key": "kids", "label": "四点半课堂"},
        ],
    },
    {
        "key": "cars",
        "kind": "short_text",
        "title": "您家的车一般停在哪里？",
        "show_if": {"question": "needs", "any_of": ["park"]},
    },
    {"key": "advice", "kind": "long_text", "title": "其他意见建议"},
    {
        "key": "satisfaction",
        "kind": "scale",
        "title": "对社区服务的总体满意度",
        "scale": "1-5",
        "required": True,
    },
    {"key": "nps", "kind": "scale", "title": "您向邻居推荐邻里中心的可能性", "scale": "0-10"},
    {"key": "household", "kind": "number", "title": "家中常住人口", "number_min": 1, "number_max": 20},
    {
        "key": "priority",
        "kind": "ranking",
        "title": "请按重要程度排序",
        "options": [
            {"key": "safety", "label": "治安"},
            {"key": "clean", "label": "卫生"},
            {"key": "parking", "label": "停车"},
        ],
    },
]
ADVICE = [
    "希望加装电梯",
    "楼道灯经常坏",
    "长者食堂菜品可以再丰富些",
    "停车太难了",
    "感谢社工的热心服务",
    "希望多组织亲子活动",
]
CARS = ["路边", "地下车库", "小区里", "没有固定车位"]


def _answers(rng: random.Random) -> dict[str, object]:
    needs = rng.sample(["canteen", "park", "care", "kids"], rng.choice([1, 2]))
    out: dict[str, object] = {
        "years": rng.choices(["a", "b", "c"], [1, 3, 6])[0],
        "needs": needs,
        "satisfaction": rng.choices([1, 2, 3, 4, 5], [1, 2, 5, 9, 6])[0],
        "household": rng.randint(1, 6),
        "priority": rng.sample(["safety", "clean", "parking"], 3),
    }
    if "park" in needs:
        out["cars"] = rng.choice(CARS)
    if rng.random() < 0.4:
        out["advice"] = rng.choice(ADVICE)
    if rng.random() < 0.8:
        out["nps"] = rng.randint(3, 10)
    return out


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    settings = get_settings()
    rng = random.Random(4576)
    taoyuan = world.communities[0]
    staff = await load_principal(db, world.staff)
    buildings = await grid.buildings_of(db, taoyuan.id)
    survey = await service.create_survey(
        db,
        staff,
        SurveyIn.model_validate(
            {
                "title": "2026年社区服务需求调查",
                "description": "线上+线下问卷，汇集民情民意",
                "questions": QUESTIONS,
            }
        ),
    )
    await service.publish(db, staff, survey.id)
    row = await db.get(Survey, survey.id)
    assert row is not None
    questions = {q.key: q for q in await service._questions(db, survey.id)}
    for n in range(RESPONDENTS):
        person = await _person(
            db,
            settings,
            name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)],
            code=f"demo-survey-{n}",
            community=taoyuan,
        )
        building = buildings[(n * 13) % len(buildings)]
        await addresses.set_address_for(
            db,
            staff,
            person.id,
            AddressIn(building_id=building.id, unit=f"{1 + n % 2}单元", room=f"{1 + n % 18}0{1 + n % 4}"),
        )
        if rng.random() < 0.2:  # a fifth of the registered residents did not answer: coverage < 100 %
            continue
        channel = rng.choices(list(SurveyChannel), [6, 2, 1, 1])[0]
        entered_by = None if channel is SurveyChannel.online else world.staff.id
        now = clock.now()
        db.add(
            SurveyParticipation(
                survey_id=row.id, user_id=person.id, answered_at=now, channel=channel, entered_by=entered_by
            )
        )
        response = SurveyResponse(
            survey_id=row.id,
            respondent_id=person.id,
            entered_by=entered_by,
            submitted_at=now,
            channel=channel,
            grid_id=building.grid_id,
            building_id=building.id,
        )
        db.add(response)
        await db.flush()
        for key, value in _answers(rng).items():
            q = questions[key]
            if isinstance(value, list):
                db.add(SurveyAnswer(response_id=response.id, question_id=q.id, choices=value))
            elif isinstance(value, str):
                db.add(SurveyAnswer(response_id=response.id, question_id=q.id, body=value))
            else:
                db.add(SurveyAnswer(response_id=response.id, question_id=q.id, number=Decimal(str(value))))
    await db.flush()
    await service.close(db, staff, survey.id)
    await reminders.publish_results(db, staff, survey.id)
    lift = await service.create_survey(
        db,
        staff,
        SurveyIn.model_validate(
            {
                "title": "加装电梯意向调查",
                "description": "每户一份，请户主填写",
                "one_per": "household",
                "questions": [
                    {
                        "key": "want",
                        "kind": "single",
                        "title": "您是否同意本栋加装电梯？",
                        "required": True,
                        "options": [
                            {"key": "yes", "label": "同意"},
                            {"key": "no", "label": "不同意"},
                            {"key": "unsure", "label": "还没想好"},
                        ],
                    },
                    {
                        "key": "pay",
                        "kind": "number",
                        "title": "您愿意分摊多少元？",
                        "number_min": 0,
                        "number_max": 100000,
                    },
                    {"key": "why", "kind": "long_text", "title": "理由或顾虑"},
                ],
            }
        ),
    )
    await service.publish(db, staff, lift.id)
    assert row.status is SurveyStatus.closed
