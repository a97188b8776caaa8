"""四议两公开 through HTTP: ordered steps, publication on the working calendar, objections, result."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import decisions, publication
from app.consultation.errors import DecisionNotFound
from app.core import clock
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from tests.support.consultation import (
    API,
    new_decision,
    published_decision,
    resolved_decision,
    shanghai,
    step,
)
from tests.support.factories import World, auth, make_user


async def test_four_steps_in_order_resolve_the_decision_with_a_timeline_and_audit(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    d = await new_decision(client, world.staff)
    assert d["status"] == "deliberating"
    assert d["next_step"] == 1
    assert d["next_step_label"] == "党组织提议"
    for n in (1, 2, 3, 4):
        r = await step(client, world.staff, d["id"], n)
        assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "resolved"
    assert out["passed_steps"] == 4
    assert out["next_step"] is None
    assert [s["step_label"] for s in out["steps"]] == [
        "党组织提议",
        "两委商议",
        "党员大会审议",
        "居民(代表)会议决议",
    ]
    assert all(s["quorum_met"] and s["outcome_label"] == "通过" for s in out["steps"])
    assert [e["kind"] for e in out["timeline"]] == ["created"] + ["step_passed"] * 4
    audited = (
        await db.execute(
            select(func.count()).where(AuditEntry.target_id == d["id"], AuditEntry.action.like("decision.%"))
        )
    ).scalar_one()
    assert audited == 5


async def test_a_skipped_step_is_refused(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    r = await step(client, world.staff, d["id"], 2)
    assert r.status_code == 409
    assert r.json()["code"] == "step_skipped"


async def test_an_out_of_order_step_is_refused(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    assert (await step(client, world.staff, d["id"], 1)).status_code == 200
    r = await step(client, world.staff, d["id"], 3)
    assert r.status_code == 409
    assert r.json()["code"] == "step_skipped"
    r = await step(client, world.staff, d["id"], 4)
    assert r.json()["code"] == "step_skipped"


async def test_a_passed_step_cannot_be_repeated(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    assert (await step(client, world.staff, d["id"], 1)).status_code == 200
    r = await step(client, world.staff, d["id"], 1)
    assert r.status_code == 409
    assert r.json()["code"] == "step_already_passed"
    resolved = await resolved_decision(client, world.staff)
    r = await step(client, world.staff, resolved["id"], 4)
    assert r.status_code == 409
    assert r.json()["code"] == "step_already_passed"


async def test_a_returned_step_sends_the_matter_back_one_step(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    for n in (1, 2):
        assert (await step(client, world.staff, d["id"], n)).status_code == 200
    r = await step(client, world.staff, d["id"], 3, "returned", note="方案需补充预算明细")
    assert r.status_code == 200, r.text
    assert r.json()["passed_steps"] == 1
    assert r.json()["next_step"] == 2
    assert (await step(client, world.staff, d["id"], 3)).json()["code"] == "step_skipped"
    assert (await step(client, world.staff, d["id"], 2)).status_code == 200
    assert (await step(client, world.staff, d["id"], 3)).status_code == 200
    r = await step(client, world.staff, d["id"], 1, "returned")
    assert r.json()["code"] == "step_already_passed"


async def test_the_first_step_cannot_be_returned(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    r = await step(client, world.staff, d["id"], 1, "returned")
    assert r.status_code == 409
    assert r.json()["code"] == "cannot_return_first_step"


async def test_a_step_below_quorum_cannot_pass_but_its_failure_is_recorded(
    client: AsyncClient, world: World
) -> None:
    d = await new_decision(client, world.staff)
    r = await step(client, world.staff, d["id"], 1, attendance=10, quorum=16)
    assert r.status_code == 409
    assert r.json()["code"] == "quorum_not_met"
    r = await step(client, world.staff, d["id"], 1, "failed", attendance=10, quorum=16)
    assert r.status_code == 200
    assert r.json()["status"] == "rejected"
    assert r.json()["steps"][0]["quorum_met"] is False
    r = await step(client, world.staff, d["id"], 1)
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"


async def test_votes_must_carry_a_passed_step(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    r = await step(client, world.staff, d["id"], 1, votes_for=12, votes_against=10, votes_abstain=3)
    assert r.json()["code"] == "votes_do_not_pass"
    r = await step(client, world.staff, d["id"], 1, votes_for=20, votes_against=10)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_attendance"
    r = await step(client, world.staff, d["id"], 1, held_on="2099-01-01")
    assert r.json()["code"] == "invalid_step_date"
    assert (await step(client, world.staff, d["id"], 1, votes_for=20, votes_against=5)).status_code == 200


async def test_publication_runs_seven_working_days_across_national_day(
    client: AsyncClient, world: World
) -> None:
    clock.freeze(
        shanghai(2026, 9, 30)
    )  # Wednesday; 10-01..10-07 are holidays, Saturday 10-10 is a make-up day
    d = await published_decision(client, world.staff)
    assert d["status"] == "publishing"
    assert d["publication_days"] == 7
    # 10-08, 10-09, 10-10, 10-12, 10-13, 10-14, 10-15: fifteen calendar days.
    assert d["publication_ends_on"] == "2026-10-15"
    assert d["in_publication"] is True
    clock.freeze(shanghai(2026, 10, 15, 23))
    r = await client.post(
        f"{API}/decisions/{d['id']}/objections",
        json={"body": "公示最后一天提出"},
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    clock.freeze(shanghai(2026, 10, 16, 9))
    r = await client.post(
        f"{API}/decisions/{d['id']}/objections", json={"body": "已经晚了"}, headers=auth(world.neighbour)
    )
    assert r.status_code == 409
    assert r.json()["code"] == "publication_closed"


async def test_a_publication_shorter_than_the_minimum_is_refused(client: AsyncClient, world: World) -> None:
    d = await resolved_decision(client, world.staff)
    r = await client.post(f"{API}/decisions/{d['id']}/publish", json={"days": 5}, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "publication_too_short"
    r = await client.post(f"{API}/decisions/{d['id']}/publish", json={"days": 10}, headers=auth(world.staff))
    assert r.json()["publication_days"] == 10


async def test_publishing_needs_all_four_steps(client: AsyncClient, world: World) -> None:
    d = await new_decision(client, world.staff)
    await step(client, world.staff, d["id"], 1)
    r = await client.post(f"{API}/decisions/{d['id']}/publish", json={}, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"


async def test_an_objection_unanswered_past_three_working_days_is_escalated(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    d = await published_decision(client, world.staff)
    r = await client.post(
        f"{API}/decisions/{d['id']}/objections",
        json={"body": "电梯位置挡住采光"},
        headers=auth(world.resident),
    )
    objection = r.json()
    # Three working days after 09-30 skip the National Day holiday: 10-08, 10-09, 10-10 (make-up Saturday).
    assert objection["answer_due_on"] == "2026-10-10"
    assert await publication.escalate_overdue_objections(db, shanghai(2026, 10, 10, 17)) == 0
    assert await publication.escalate_overdue_objections(db, shanghai(2026, 10, 11)) == 1
    assert await publication.escalate_overdue_objections(db, shanghai(2026, 10, 11, 12)) == 0  # idempotent

    async def told(user_id: object) -> int:
        return (
            await db.execute(
                select(func.count()).where(
                    Notification.user_id == user_id, Notification.kind == "decision.objection_overdue"
                )
            )
        ).scalar_one()

    assert await told(world.staff.id) == 1
    assert await told(world.admin.id) == 0
    # Still unanswered on the next working day: the street is told.
    assert await publication.escalate_overdue_objections(db, shanghai(2026, 10, 12)) == 1
    assert await told(world.admin.id) == 1
    assert await publication.escalate_overdue_objections(db, shanghai(2026, 10, 13)) == 0
    clock.freeze(shanghai(2026, 10, 12))
    r = await client.get(f"{API}/decisions/{d['id']}", headers=auth(world.staff))
    seen = r.json()["objections"][0]
    assert seen["overdue"] is True
    assert seen["escalated"] is True
    assert seen["objector_name"] == "张阿姨"
    kinds = [e["kind"] for e in r.json()["timeline"]]
    assert kinds.count("objection_escalated") == 2
    # Internal escalation entries are not shown to residents.
    r = await client.get(f"{API}/decisions/{d['id']}", headers=auth(world.resident))
    assert "objection_escalated" not in [e["kind"] for e in r.json()["timeline"]]


async def test_the_decision_is_not_effective_while_an_objection_is_open(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    d = await published_decision(client, world.staff)
    r = await client.post(
        f"{API}/decisions/{d['id']}/objections", json={"body": "费用分摊不合理"}, headers=auth(world.resident)
    )
    objection_id = r.json()["id"]
    # The window is over, but the objection waits.
    assert await publication.take_effect(db, shanghai(2026, 10, 16)) == 0
    clock.freeze(shanghai(2026, 10, 16))
    r = await client.get(f"{API}/decisions/{d['id']}", headers=auth(world.resident))
    assert r.json()["status"] == "publishing"
    assert r.json()["in_publication"] is False
    assert r.json()["objections_open"] == 1
    r = await client.post(
        f"{API}/decisions/{d['id']}/result", json={"text": "已完工"}, headers=auth(world.staff)
    )
    assert r.status_code == 409
    # The answer to the last objection, after the window, makes it effective.
    r = await client.post(
        f"{API}/objections/{objection_id}/answer",
        json={"answer": "按楼层系数分摊，已在公示稿中列明"},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    r = await client.get(f"{API}/decisions/{d['id']}", headers=auth(world.resident))
    body = r.json()
    assert body["status"] == "effective"
    assert body["objections"][0]["answer"] == "按楼层系数分摊，已在公示稿中列明"
    assert body["objections"][0]["mine"] is True
    assert body["objections"][0]["objector_name"] is None
    told = (
        await db.execute(
            select(func.count()).where(
                Notification.user_id == world.resident.id, Notification.kind == "decision.objection_answered"
            )
        )
    ).scalar_one()
    assert told == 1


async def test_without_objections_the_job_makes_it_effective_after_the_window(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    d = await published_decision(client, world.staff)
    assert await publication.take_effect(db, shanghai(2026, 10, 15, 23)) == 0
    assert await publication.take_effect(db, shanghai(2026, 10, 16, 0)) == 1
    assert await publication.take_effect(db, shanghai(2026, 10, 16, 1)) == 0
    r = await client.get(f"{API}/decisions/{d['id']}", headers=auth(world.staff))
    assert r.json()["status"] == "effective"
    assert r.json()["timeline"][-1]["kind"] == "effective"


async def test_result_published_and_rated_once_per_resident(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    d = await published_decision(client, world.staff)
    await publication.take_effect(db, shanghai(2026, 10, 16))
    clock.freeze(shanghai(2026, 12, 1))
    url = f"{API}/decisions/{d['id']}"
    r = await client.post(f"{url}/ratings", json={"score": 5}, headers=auth(world.resident))
    assert r.status_code == 409  # nothing to rate yet
    r = await client.post(f"{url}/result", json={"text": "电梯已于11月底投入使用"}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "result_published"
    r = await client.post(
        f"{url}/ratings", json={"score": 5, "comment": "方便多了"}, headers=auth(world.resident)
    )
    assert r.status_code == 200, r.text
    assert r.json()["my_rating"] == 5
    r = await client.post(f"{url}/ratings", json={"score": 1}, headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "already_rated"
    r = await client.post(f"{url}/ratings", json={"score": 4}, headers=auth(world.neighbour))
    assert r.json()["rating_count"] == 2
    assert r.json()["rating_mean"] == 4.5
    r = await client.post(f"{url}/ratings", json={"score": 6}, headers=auth(world.neighbour))
    assert r.status_code == 422


async def test_other_community_gets_404_throughout(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 9, 30))
    d = await published_decision(client, world.staff)
    url = f"{API}/decisions/{d['id']}"
    mine = await client.post(f"{url}/objections", json={"body": "有意见"}, headers=auth(world.resident))
    for who in (world.other_resident, world.other_staff):
        assert (await client.get(url, headers=auth(who))).json()["code"] == "decision_not_found"
        r = await client.post(f"{url}/objections", json={"body": "外社区"}, headers=auth(who))
        assert r.status_code == 404
        r = await client.post(f"{url}/ratings", json={"score": 3}, headers=auth(who))
        assert r.status_code == 404
        listed = (await client.get(f"{API}/decisions", headers=auth(who))).json()["items"]
        assert d["id"] not in [x["id"] for x in listed]
    for path, body in (
        (
            "/steps",
            {
                "step": 1,
                "body": "x",
                "held_on": "2026-09-30",
                "attendance": 1,
                "quorum": 1,
                "outcome": "passed",
            },
        ),
        ("/publish", {}),
        ("/result", {"text": "x"}),
    ):
        r = await client.post(url + path, json=body, headers=auth(world.other_staff))
        assert r.status_code == 404, path
    r = await client.post(
        f"{API}/objections/{mine.json()['id']}/answer",
        json={"answer": "外社区答复"},
        headers=auth(world.other_staff),
    )
    assert r.status_code == 404
    assert r.json()["code"] == "objection_not_found"
    # Staff-only actions are refused to residents of the same community.
    r = await client.post(f"{url}/publish", json={}, headers=auth(world.resident))
    assert r.status_code == 403


async def test_residents_see_a_decision_only_once_published(client: AsyncClient, world: World) -> None:
    d = await resolved_decision(client, world.staff)
    url = f"{API}/decisions/{d['id']}"
    assert (await client.get(url, headers=auth(world.resident))).status_code == 404
    assert (await client.get(f"{API}/decisions", headers=auth(world.resident))).json()["items"] == []
    await client.post(f"{url}/publish", json={}, headers=auth(world.staff))
    assert (await client.get(url, headers=auth(world.resident))).status_code == 200
    listed = (await client.get(f"{API}/decisions", headers=auth(world.resident))).json()["items"]
    assert [x["id"] for x in listed] == [d["id"]]


async def test_residents_see_only_their_own_objections(client: AsyncClient, world: World) -> None:
    d = await published_decision(client, world.staff)
    url = f"{API}/decisions/{d['id']}"
    await client.post(f"{url}/objections", json={"body": "我的异议"}, headers=auth(world.resident))
    await client.post(f"{url}/objections", json={"body": "邻居的异议"}, headers=auth(world.neighbour))
    seen = (await client.get(url, headers=auth(world.resident))).json()
    assert [o["body"] for o in seen["objections"]] == ["我的异议"]
    assert seen["objections_total"] == 2
    staff_view = (await client.get(url, headers=auth(world.staff))).json()
    assert len(staff_view["objections"]) == 2


async def test_a_user_of_no_community_cannot_see_or_object(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    d = await published_decision(client, world.staff)
    outsider = await make_user(db, community=None)
    await db.flush()
    r = await client.post(f"{API}/decisions/{d['id']}/objections", json={"body": "x"}, headers=auth(outsider))
    assert r.status_code == 404


async def test_an_objection_is_answered_once(client: AsyncClient, world: World) -> None:
    d = await published_decision(client, world.staff)
    r = await client.post(
        f"{API}/decisions/{d['id']}/objections", json={"body": "问"}, headers=auth(world.resident)
    )
    url = f"{API}/objections/{r.json()['id']}/answer"
    assert (await client.post(url, json={"answer": "答"}, headers=auth(world.staff))).status_code == 200
    r = await client.post(url, json={"answer": "再答"}, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "objection_already_answered"


async def test_timeline_and_steps_are_append_only(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    d = await resolved_decision(client, world.staff)
    for statement in (
        "UPDATE decision_events SET body = 'x' WHERE decision_id = :id",
        "DELETE FROM decision_steps WHERE decision_id = :id",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with db.begin_nested():
                await db.execute(sa.text(statement), {"id": d["id"]})


async def test_get_decision_is_scoped_to_its_community(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    d = await new_decision(client, world.staff)
    import uuid

    out = await decisions.get_decision(db, uuid.UUID(d["id"]), world.community.id)
    assert out.title == d["title"]
    assert out.objections == []
    with pytest.raises(DecisionNotFound):
        await decisions.get_decision(db, uuid.UUID(d["id"]), world.other_community.id)


async def test_demo_has_a_decision_in_publication_and_one_with_a_rated_result(db: AsyncSession) -> None:
    from app import demo
    from app.models.consultation import Decision, DecisionStatus
    from tests.support.factories import TEST_SETTINGS

    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    states = {d.title: d.status for d in (await db.execute(select(Decision))).scalars()}
    assert states["3栋加装电梯资金使用方案"] is DecisionStatus.publishing
    assert states["桃源小区停车位划线及收费方案"] is DecisionStatus.result_published
    assert states["社区文化广场改造项目"] is DecisionStatus.deliberating
