"""The demo: a published survey with a few hundred responses across the buildings; a closed panel round
with one rectification."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import demo
from tests.support.factories import TEST_SETTINGS, auth


async def test_demo_seeds_surveys_and_a_closed_review_round(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    await db.flush()
    staff = auth(world.staff)
    surveys = (await client.get("/api/v1/surveys", headers=staff)).json()["items"]
    by_title = {s["title"]: s for s in surveys}
    big = by_title["2026年社区服务需求调查"]
    assert (big["status"], big["results_published"]) == ("closed", True)
    assert by_title["加装电梯意向调查"]["status"] == "published"
    res = (await client.get(f"/api/v1/surveys/{big['id']}/results", headers=staff)).json()
    assert 150 <= res["responses"] <= 240
    assert {c["channel"] for c in res["by_channel"]} == {"online", "paper", "phone", "door"}
    answered = [b for b in res["buildings"] if b["responses"]]
    assert len(answered) >= 30
    assert all(0 < b["coverage"] <= 1 for b in answered)
    assert 0.6 < res["coverage"] < 1
    satisfaction = next(q for q in res["questions"] if q["key"] == "satisfaction")
    assert 3 < satisfaction["mean"] < 4.5
    # A demo resident reads the published results.
    resident = (await client.get("/api/v1/surveys", headers=auth(world.residents[0]))).json()["items"]
    assert {s["title"] for s in resident} == {"2026年社区服务需求调查", "加装电梯意向调查"}
    r = await client.get(f"/api/v1/surveys/{big['id']}/results", headers=auth(world.residents[0]))
    assert r.status_code == 200
    # The review panel: a closed round whose 楼道保洁 opened one rectification, with a progress note.
    rounds = (await client.get("/api/v1/review-rounds", headers=staff)).json()["items"]
    assert [r["status"] for r in rounds] == ["open", "closed"]
    closed = (await client.get(f"/api/v1/review-rounds/{rounds[1]['id']}", headers=staff)).json()
    low = [i for i in closed["items"] if i["result"]["below_threshold"]]
    assert [i["title"] for i in low] == ["楼道保洁"]
    fixes = (
        await client.get(
            "/api/v1/rectifications",
            params={"source_kind": "review_round", "source_id": closed["id"]},
            headers=staff,
        )
    ).json()["items"]
    assert len(fixes) == 1
    assert fixes[0]["owner_name"] == "桃源物业服务中心"
    assert len(fixes[0]["notes"]) == 1
    opened = (await client.get(f"/api/v1/review-rounds/{rounds[0]['id']}", headers=staff)).json()
    assert opened["items"][1]["previous"]["mean"] == closed["items"][1]["result"]["mean"]
