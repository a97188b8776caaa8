"""Stats per item and department: volume, on-time rate, average working days, corrections, satisfaction."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.service_items import API, apply, make_item, post, shanghai


async def test_stats_per_item_and_department(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department, name="高龄津贴", time_limit_days=2)
    clock.freeze(shanghai(2026, 6, 1))  # Monday: due Wed 3 June
    fast = await apply(client, world.resident, item, ["m1", "m2"])
    slow = await apply(client, world.neighbour, item, ["m1", "m2"])
    await apply(client, world.staff, item, [], on_behalf_of=str(world.resident.id))  # incomplete: volume only
    for rid in (fast["id"], slow["id"]):
        await post(client, f"/service-requests/{rid}/accept", world.handler)
    await post(client, f"/service-requests/{slow['id']}/correction", world.handler, {"reason": "补照片"})
    clock.freeze(shanghai(2026, 6, 2))
    await post(client, f"/service-requests/{fast['id']}/approve", world.handler)
    await post(client, f"/service-requests/{fast['id']}/handover", world.handler, {"method": "delivery"})
    await post(client, f"/service-requests/{fast['id']}/rate", world.resident, {"rating": "satisfied"})
    await post(client, f"/service-requests/{slow['id']}/materials", world.neighbour, {"received": []})
    clock.freeze(shanghai(2026, 6, 5))  # Friday; slow was due Thu 4 June after one paused day
    await post(client, f"/service-requests/{slow['id']}/reject", world.handler, {"reason": "不符合条件"})
    await post(client, f"/service-requests/{slow['id']}/rate", world.neighbour, {"rating": "unsatisfied"})

    r = await client.get(
        f"{API}/stats/service-items?from=2026-06-01&to=2026-06-30", headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert (row["name"], row["volume"], row["decided"], row["on_time"], row["corrections"]) == (
        "高龄津贴",
        3,
        2,
        1,
        1,
    )
    assert (row["on_time_rate"], row["satisfaction_rate"]) == (0.5, 0.5)
    # fast: 1 June → 2 June, 1 working day; slow: 1 → 5 June, 4 working days less 1 paused (2 June) = 3.
    assert row["average_working_days"] == 2.0
    by_dept = (
        await client.get(
            f"{API}/stats/service-items?group_by=department&from=2026-06-01&to=2026-06-30",
            headers=auth(world.staff),
        )
    ).json()["rows"]
    assert [(d["name"], d["volume"], d["on_time"]) for d in by_dept] == [(world.department.name, 3, 1)]
    r = await client.get(f"{API}/stats/service-items", headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.get(
        f"{API}/stats/service-items?community_id={world.community.id}", headers=auth(world.other_staff)
    )
    assert (r.status_code, r.json()["code"]) == (404, "community_not_found")
    csv = await client.get(
        f"{API}/exports/service-items-stats.csv?from=2026-06-01&to=2026-06-30", headers=auth(world.staff)
    )
    assert csv.status_code == 200
    assert csv.text.lstrip("\ufeff").splitlines()[1] == "高龄津贴,3,2,1,50.0%,2.0,1,2,1,50.0%"
    xlsx = await client.get(f"{API}/exports/service-items-stats.xlsx", headers=auth(world.staff))
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
