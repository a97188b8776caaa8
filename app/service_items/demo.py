"""Demo data: a catalogue of 34 items for 桃源社区 (and a few for 大冲), departments and their handlers,
a 代办员, applications in every state, and two officials' recurring office hours.

Sign in (wechat-login codes): `demo-agent` 网格员小陈 (代办员), `demo-dept` 民政服务站 李科员 (handler),
`demo-lawyer` 王律师 (office hours), `demo-doctor` 陈医生 (义诊); the elder is `demo-elder` 刘大爷.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import get_settings
from app.demo import DemoWorld, _person, _unit
from app.identity.principal import load_principal
from app.models.identity import OrgKind, OrgUnit, Role, User
from app.models.service_items import Channel, Handover, ItemCategory, OfficeTopic, Rating, Recurrence
from app.service_items import backoffice, catalogue, office_hours, requests
from app.service_items.schemas import (
    ApproveIn,
    ConsentIn,
    CorrectionIn,
    HandoverIn,
    ItemIn,
    MaterialIn,
    MaterialsIn,
    OfficeHoursIn,
    RateIn,
    ReasonIn,
    RequestIn,
)

C = ItemCategory
ALL = [Channel.window, Channel.agent, Channel.online]
DESK = [Channel.window, Channel.agent]


def m(name: str, form: str = "original", count: int = 1, required: bool = True) -> MaterialIn:
    return MaterialIn(name=name, form=form, count=count, required=required)


ID = m("居民身份证")
HUKOU = m("户口簿")
PHOTO = m("近期一寸免冠照片", count=2, required=False)
BANK = m("本人银行卡（存折）", "copy")

# (code, name, category, department, working days, materials, channels, legal basis, conditions, fee in fen)
ITEMS: list[tuple[str, str, ItemCategory, str, int, list[MaterialIn], list[Channel], str, str, int]] = [
    ("MZ-001", "高龄老人津贴申领", C.civil_affairs, "civil", 10, [ID, HUKOU, BANK, PHOTO], ALL,
     "《广东省高龄老人津贴制度》", "本市户籍、年满80周岁", 0),
    ("MZ-002", "最低生活保障申请", C.civil_affairs, "civil", 20,
     [ID, HUKOU, m("家庭收入及财产申报表"), m("家庭经济状况核对授权书")], DESK,
     "《社会救助暂行办法》", "家庭人均收入低于本市低保标准", 0),
    ("MZ-003", "特困人员救助供养申请", C.civil_affairs, "civil", 20, [ID, HUKOU, m("无劳动能力证明材料")], DESK,
     "《社会救助暂行办法》", "无劳动能力、无生活来源、无法定赡养抚养扶养义务人", 0),
    ("MZ-004", "临时救助申请", C.civil_affairs, "civil", 10, [ID, m("遭遇急难情况的证明材料")], ALL,
     "《社会救助暂行办法》", "因急难情况导致基本生活陷入困境", 0),
    ("MZ-005", "居家养老服务补贴申请", C.civil_affairs, "civil", 15, [ID, HUKOU, m("老年人能力评估报告", "copy")], ALL,
     "《深圳市养老服务条例》", "本市户籍、60周岁以上且经能力评估", 0),
    ("MZ-006", "老年人优待证办理", C.civil_affairs, "civil", 5, [ID, PHOTO], ALL,
     "《广东省老年人优待办法》", "年满60周岁", 0),
    ("MZ-007", "惠民殡葬补贴申领", C.civil_affairs, "civil", 10, [m("死亡证明", "copy"), m("火化证明", "copy"), m("经办人身份证")], DESK,
     "《殡葬管理条例》", "逝者为本市户籍居民", 0),
    ("YF-001", "退役军人优待证申领", C.veterans, "veterans", 10, [ID, m("退役证件", "copy"), PHOTO], ALL,
     "《中华人民共和国退役军人保障法》", "退役军人及其他优抚对象", 0),
    ("YF-002", "优抚对象定期抚恤补助申领", C.veterans, "veterans", 15, [ID, HUKOU, m("优抚对象身份证明"), BANK], DESK,
     "《军人抚恤优待条例》", "在册优抚对象", 0),
    ("YF-003", "退役士兵自主就业一次性经济补助", C.veterans, "veterans", 20, [ID, m("退出现役证", "copy"), BANK], DESK,
     "《退役士兵安置条例》", "自主就业的退役士兵", 0),
    ("YF-004", "重点优抚对象医疗补助", C.veterans, "veterans", 15, [ID, m("医疗费用发票"), m("病历资料", "copy")], DESK,
     "《军人抚恤优待条例》", "重点优抚对象", 0),
    ("JS-001", "生育登记", C.family_planning, "health", 3, [m("夫妻双方身份证"), m("结婚证")], ALL,
     "《广东省人口与计划生育条例》", "", 0),
    ("JS-002", "独生子女父母光荣证补办", C.family_planning, "health", 5, [m("夫妻双方身份证"), HUKOU], ALL,
     "《广东省人口与计划生育条例》", "", 0),
    ("JS-003", "计划生育家庭特别扶助金申请", C.family_planning, "health", 20,
     [ID, HUKOU, m("独生子女死亡或伤残证明", "copy"), BANK], DESK,
     "《全国计划生育家庭特别扶助制度实施方案》", "女方年满49周岁的独生子女伤残、死亡家庭", 0),
    ("JS-004", "计划生育奖励扶助金申请", C.family_planning, "health", 20, [ID, HUKOU, BANK], DESK,
     "《广东省人口与计划生育条例》", "年满60周岁的计划生育家庭父母", 0),
    ("JS-005", "流动人口婚育情况证明", C.family_planning, "health", 3, [ID, m("居住证", "copy")], ALL,
     "《流动人口计划生育工作条例》", "", 0),
    ("JY-001", "失业登记", C.employment, "labour", 5, [ID, m("解除劳动合同证明", "copy")], ALL,
     "《中华人民共和国就业促进法》", "法定劳动年龄内、有劳动能力和就业要求", 0),
    ("JY-002", "就业困难人员认定", C.employment, "labour", 10, [ID, m("失业登记证明"), m("困难情形证明材料", "copy")], DESK,
     "《中华人民共和国就业促进法》", "", 0),
    ("JY-003", "灵活就业人员社保补贴申请", C.employment, "labour", 15, [ID, m("灵活就业登记证明"), BANK], ALL,
     "《广东省就业补贴申领办法》", "就业困难人员灵活就业并缴纳社保", 0),
    ("JY-004", "创业担保贷款申请", C.employment, "labour", 20, [ID, m("营业执照", "copy"), m("创业计划书")], DESK,
     "《创业担保贷款实施办法》", "", 0),
    ("JY-005", "职业技能培训补贴申请", C.employment, "labour", 15, [ID, m("职业资格证书", "copy"), BANK], ALL,
     "《职业技能提升行动方案》", "取得职业资格证书或技能等级证书", 0),
    ("SB-001", "城乡居民养老保险参保登记", C.social_security, "labour", 5, [ID, HUKOU], ALL,
     "《中华人民共和国社会保险法》", "年满16周岁、不在校、未参加职工养老保险", 0),
    ("SB-002", "居民医疗保险参保登记", C.social_security, "labour", 5, [ID, HUKOU], ALL,
     "《中华人民共和国社会保险法》", "", 0),
    ("SB-003", "社会保障卡申领与补换", C.social_security, "labour", 7, [ID, PHOTO], ALL,
     "《社会保障卡管理办法》", "", 2000),
    ("SB-004", "养老金领取资格认证", C.social_security, "labour", 0, [ID], ALL,
     "《关于做好领取社会保险待遇资格确认工作的通知》", "领取养老金的退休人员", 0),
    ("SB-005", "医保异地就医备案", C.social_security, "labour", 3, [ID, m("异地居住证明", "copy", required=False)], ALL,
     "《基本医疗保险跨省异地就医直接结算经办规程》", "", 0),
    ("CL-001", "残疾人证新办", C.disability, "disability", 20, [ID, HUKOU, m("近期二寸免冠照片", count=3), m("残疾评定表")], DESK,
     "《中华人民共和国残疾人保障法》", "", 0),
    ("CL-002", "残疾人证换领", C.disability, "disability", 10, [ID, m("原残疾人证"), PHOTO], ALL,
     "《中华人民共和国残疾人证管理办法》", "", 0),
    ("CL-003", "残疾人辅助器具适配申请", C.disability, "disability", 15, [m("残疾人证"), ID], ALL,
     "《残疾人辅助器具服务管理办法》", "持证残疾人", 0),
    ("CL-004", "残疾人两项补贴申请", C.disability, "disability", 20, [m("残疾人证"), ID, HUKOU, BANK], DESK,
     "《关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", "困难残疾人、重度残疾人", 0),
    ("CL-005", "残疾人居家托养服务补贴", C.disability, "disability", 15, [m("残疾人证"), ID], ALL,
     "《残疾人托养服务管理办法》", "", 0),
    ("QT-001", "居住证申领（代收）", C.other, "station", 10, [ID, m("居住证明", "copy"), PHOTO], DESK,
     "《居住证暂行条例》", "在本市居住半年以上", 0),
    ("QT-002", "法律援助申请（转介）", C.other, "station", 7, [ID, m("经济困难状况说明表"), m("案件相关材料", "copy")], ALL,
     "《中华人民共和国法律援助法》", "经济困难的公民", 0),
    ("QT-003", "老年人公交乘车卡办理", C.other, "station", 7, [ID, PHOTO], ALL,
     "《广东省老年人优待办法》", "年满60周岁", 0),
]  # fmt: skip


async def _items(
    db: AsyncSession, staff: Any, community: OrgUnit, departments: dict[str, OrgUnit], rows: list[Any]
) -> dict[str, Any]:
    made = {}
    for code, name, category, dept, days, materials, channels, basis, conditions, fee in rows:
        made[code] = await catalogue.create_item(
            db,
            staff,
            ItemIn(
                community_id=community.id,
                code=code,
                name=name,
                category=category,
                department_id=departments[dept].id,
                conditions=conditions,
                materials=materials,
                time_limit_days=days,
                fee_fen=fee,
                channels=channels,
                legal_basis=basis,
            ),
        )
    return made


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    settings = get_settings()
    taoyuan, dachong = world.communities
    departments = {
        "civil": await _unit(db, "桃源社区民政服务站", OrgKind.department, taoyuan),
        "veterans": await _unit(db, "桃源社区退役军人服务站", OrgKind.department, taoyuan),
        "health": await _unit(db, "桃源社区计生卫健服务站", OrgKind.department, taoyuan),
        "labour": await _unit(db, "桃源社区就业社保服务站", OrgKind.department, taoyuan),
        "disability": await _unit(db, "桃源社区残疾人服务站", OrgKind.department, taoyuan),
        "station": world.departments["station"],
    }
    civil_b = await _unit(db, "大冲社区民政服务站", OrgKind.department, dachong)
    clerk = await _person(
        db, settings, name="李科员", code="demo-dept", phone="13800000011", community=taoyuan,
        grants=[(Role.handler, departments[k], None) for k in ("civil", "veterans", "health", "labour", "disability")],
    )  # fmt: skip
    agent = await _person(
        db, settings, name="网格员小陈", code="demo-agent", phone="13800000012", community=taoyuan,
        grants=[(Role.agent, world.grids[0], None)],
    )  # fmt: skip
    lawyer = await _person(db, settings, name="王律师", code="demo-lawyer", phone="13800000013")
    doctor = await _person(
        db, settings, name="陈医生", code="demo-doctor", phone="13800000014", community=taoyuan
    )
    await db.flush()

    staff = await load_principal(db, world.staff)
    staff_b = await load_principal(db, world.staff_b)
    items = await _items(db, staff, taoyuan, departments, ITEMS)
    await _items(db, staff_b, dachong, {"civil": civil_b}, [r for r in ITEMS if r[3] == "civil"][:3])

    resident, elder = world.residents[0], world.residents[1]
    await _applications(db, items, staff, resident, elder, agent, clerk)

    await office_hours.create(
        db,
        staff,
        OfficeHoursIn(
            official_id=lawyer.id, official_name="王律师", official_title="法律援助律师（区司法局派驻）",
            topic=OfficeTopic.legal_aid, title="法律援助进社区", location="党群服务中心一楼调解室",
            recurrence=Recurrence.monthly, weekdays=[2], weeks_of_month=[1, 3],
            start_time=time(14), end_time=time(17), starts_on=date(2026, 1, 1), capacity=4,
        ),
    )  # fmt: skip
    await office_hours.create(
        db,
        staff,
        OfficeHoursIn(
            official_id=doctor.id, official_name="陈医生", official_title="退休主任医师",
            topic=OfficeTopic.clinic, title="退休医生义诊", location="党群服务中心二楼健康小屋",
            recurrence=Recurrence.weekly, weekdays=[4], start_time=time(9), end_time=time(12),
            starts_on=date(2026, 1, 1), capacity=6,
        ),
    )  # fmt: skip


async def _applications(
    db: AsyncSession, items: dict[str, Any], staff: Any, resident: User, elder: User, agent: User, clerk: User
) -> None:
    """A few applications in every state, through the same service functions the API calls."""
    me = await load_principal(db, resident)
    old = await load_principal(db, elder)
    helper = await load_principal(db, agent)
    dept = await load_principal(db, clerk)

    def apply(who: Any, code: str, materials: list[str], **extra: Any) -> Any:
        return requests.create_request(
            db, who, RequestIn(item_id=items[code].id, materials=materials, **extra)
        )

    await apply(helper, "MZ-005", ["m1", "m2", "m3"], on_behalf_of=elder.id)  # awaiting_consent
    await apply(me, "MZ-006", ["m2"])  # incomplete: the one-time list went out
    await apply(me, "SB-003", ["m1"])  # submitted
    r = await apply(helper, "MZ-001", ["m1", "m2", "m3"], on_behalf_of=elder.id)
    await requests.give_consent(db, old, r.id, ConsentIn())
    await backoffice.accept(db, dept, r.id)  # processing
    r = await apply(staff, "JY-001", ["m1", "m2"], on_behalf_of=resident.id)
    await backoffice.accept(db, dept, r.id)
    await backoffice.ask_correction(
        db, dept, r.id, CorrectionIn(reason="解除劳动合同证明缺少单位盖章", materials=["m2"])
    )
    r = await apply(me, "SB-005", ["m1"])
    await backoffice.accept(db, dept, r.id)
    await backoffice.approve(db, dept, r.id, ApproveIn(remark="备案已生效"))  # approved
    r = await apply(staff, "JS-004", ["m1", "m2", "m3"], on_behalf_of=resident.id)
    await backoffice.reject(db, dept, r.id, ReasonIn(reason="申请人未满60周岁，暂不符合条件"))  # rejected
    r = await apply(helper, "CL-002", ["m1", "m2"], on_behalf_of=elder.id)
    await requests.give_consent(db, old, r.id, ConsentIn())
    await backoffice.accept(db, dept, r.id)
    await backoffice.ask_correction(db, dept, r.id, CorrectionIn(reason="照片不清晰", materials=[]))
    await requests.add_materials(db, helper, r.id, MaterialsIn(received=["m3"], note="已补交照片"))
    await backoffice.approve(db, dept, r.id, ApproveIn())
    await backoffice.hand_over(
        db, helper, r.id, HandoverIn(method=Handover.agent_handover, note="已送到刘大爷家")
    )
    await backoffice.rate(
        db, old, r.id, RateIn(rating=Rating.satisfied, comment="小陈帮了大忙")
    )  # handed_over
