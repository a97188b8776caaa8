"""Generate a large ticket table fast: `python -m bench.seed --tickets 1000000`.

Rows are made inside PostgreSQL with INSERT … SELECT generate_series (no Python loop), in batches, with
deterministic ids (md5 of a name) so the generated people and places can be found again by the bench.
Uses DATABASE_URL when set (point it at a scratch database!), else the embedded server in LINLI_DATA_DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

COMMUNITIES = 10
RESIDENTS = 20_000
BATCH = 200_000

TITLES = "(ARRAY['楼道灯不亮','水管漏水','电梯故障','噪音扰民','垃圾未清运','井盖缺失','违章停车','绿化带破损','路面坑洼','下水道堵塞'])"


def uid(kind: str, expr: str) -> str:
    """SQL for the deterministic uuid of a generated record."""
    return f"md5('bench-{kind}-' || ({expr})::text)::uuid"


BASE_SQL = [
    f"""INSERT INTO org_units (id, name, kind, parent_id, community_id, fen_per_point, donations_enabled,
                              created_at, updated_at)
        VALUES ({uid("street", "0")}, '压测街道', 'street', NULL, NULL, 10, true, CAST(:now AS timestamptz), CAST(:now AS timestamptz))
        ON CONFLICT DO NOTHING""",
    f"""INSERT INTO org_units (id, name, kind, parent_id, community_id, fen_per_point, donations_enabled,
                              created_at, updated_at)
        SELECT {uid("community", "k")}, '压测社区' || k, 'community', {uid("street", "0")},
               {uid("community", "k")}, 10, true, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k ON CONFLICT DO NOTHING""",
    f"""INSERT INTO org_units (id, name, kind, parent_id, community_id, fen_per_point, donations_enabled,
                              created_at, updated_at)
        SELECT {uid("dept", "k")}, '物业' || k, 'department', {uid("community", "k")},
               {uid("community", "k")}, 10, true, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k ON CONFLICT DO NOTHING""",
    f"""INSERT INTO users (id, name, username, community_id, subsidy_eligible, is_active, created_at, updated_at)
        SELECT {uid("staff", "k")}, '社工' || k, 'bench-staff-' || k, {uid("community", "k")}, false, true,
               CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k ON CONFLICT DO NOTHING""",
    f"""INSERT INTO users (id, name, username, community_id, subsidy_eligible, is_active, created_at, updated_at)
        SELECT {uid("handler", "k")}, '师傅' || k, 'bench-handler-' || k, {uid("community", "k")}, false, true,
               CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k ON CONFLICT DO NOTHING""",
    f"""INSERT INTO role_grants (id, user_id, role, org_unit_id, created_at)
        SELECT {uid("grant-staff", "k")}, {uid("staff", "k")}, 'staff'::role, {uid("community", "k")}, CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k
        UNION ALL
        SELECT {uid("grant-handler", "k")}, {uid("handler", "k")}, 'handler'::role, {uid("dept", "k")}, CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k ON CONFLICT DO NOTHING""",
    f"""INSERT INTO users (id, name, openid, phone, community_id, subsidy_eligible, is_active, created_at,
                          updated_at)
        SELECT {uid("resident", "j")}, '居民' || j, 'bench-openid-' || j, '139' || lpad(j::text, 8, '0'),
               {uid("community", "j % :c")}, false, true, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :r - 1) j ON CONFLICT DO NOTHING""",
    f"""INSERT INTO ticket_categories (id, community_id, name, accept_within_hours, resolve_within_hours,
                                      working_time, active, created_at, updated_at)
        SELECT {uid("category", "k * 10 + n")}, {uid("community", "k")},
               (ARRAY['紧急','普通','咨询'])[n + 1], (ARRAY[2, 9, 24])[n + 1], (ARRAY[24, 45, 72])[n + 1],
               n > 0, true, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM generate_series(0, :c - 1) k, generate_series(0, 2) n ON CONFLICT DO NOTHING""",
]

# Status by bucket: 70 % closed, 3 % resolved, the rest spread over the open states. Finished tickets
# were filed over the last two years; open ones over the last three days, so deadlines cluster at now.
TICKETS_SQL = f"""
INSERT INTO tickets (id, number, community_id, category_id, status, priority, title, description, location,
                     channel, reporter_id, created_by, department_id, assignee_id, accept_by, due_at, queue_at,
                     escalation_level, responded_at, resolved_at, closed_at, rating, created_at, updated_at)
SELECT {uid("ticket", "i")},
       'GD' || to_char(c_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(i::text, 7, '0'),
       {uid("community", "k")},
       {uid("category", "k * 10 + i % 3")},
       st::ticket_status, 0,
       {TITLES}[1 + i % 10] || ' #' || i,
       {TITLES}[1 + (i / 10) % 10] || '，位置在' || (i % 30) || '栋' || (i % 6 + 1) || '单元，请尽快处理',
       (i % 30) || '栋',
       (ARRAY['app','hotline','walk_in'])[1 + i % 3]::ticket_channel,
       {uid("resident", "k + :c * ((i / :c) % (:r / :c))")},
       {uid("resident", "k + :c * ((i / :c) % (:r / :c))")},
       CASE WHEN st IN ('submitted', 'accepted', 'pending_info') THEN NULL ELSE {uid("dept", "k")} END,
       CASE WHEN st IN ('in_progress', 'resolved', 'closed') THEN {uid("handler", "k")} END,
       c_at + interval '2 hours',
       CASE WHEN st <> 'submitted' THEN c_at + interval '26 hours' END,
       CASE st WHEN 'submitted' THEN c_at + interval '2 hours'
               WHEN 'accepted' THEN c_at + interval '26 hours'
               WHEN 'dispatched' THEN c_at + interval '26 hours'
               WHEN 'in_progress' THEN c_at + interval '26 hours'
               ELSE timestamptz '9999-01-01 00:00:00+00' END,
       0,
       CASE WHEN st <> 'submitted' THEN c_at + interval '1 hour' END,
       CASE WHEN st IN ('resolved', 'closed') THEN c_at + interval '20 hours' END,
       CASE WHEN st = 'closed' THEN c_at + interval '30 hours' END,
       CASE WHEN st = 'closed' AND i % 4 > 0
            THEN (ARRAY['satisfied','basically_satisfied','unsatisfied'])[1 + i % 3]::ticket_rating END,
       c_at, c_at
FROM (
    SELECT i, k, st,
           CASE WHEN st IN ('closed', 'resolved')
                THEN CAST(:now AS timestamptz) - make_interval(mins => ((i::bigint * 7919) % (730 * 24 * 60))::int) - interval '2 days'
                ELSE CAST(:now AS timestamptz) - make_interval(mins => ((i::bigint * 31) % (3 * 24 * 60))::int) END AS c_at
    FROM (
        SELECT i, i % :c AS k,
               CASE WHEN b < 70 THEN 'closed' WHEN b < 73 THEN 'resolved' WHEN b < 78 THEN 'submitted'
                    WHEN b < 83 THEN 'accepted' WHEN b < 91 THEN 'dispatched' WHEN b < 98 THEN 'in_progress'
                    ELSE 'pending_info' END AS st
        FROM (SELECT i, (i * 37) % 100 AS b FROM generate_series(:lo, :hi) i) g
    ) s
) t
ON CONFLICT DO NOTHING
"""


async def seed(
    engine: AsyncEngine,
    tickets: int,
    *,
    communities: int = COMMUNITIES,
    residents: int = RESIDENTS,
    now: datetime | None = None,
    verbose: bool = True,
) -> float:
    """Create the places, people and `tickets` tickets; returns the seconds it took."""
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    params = {"now": now}

    def sql(template: str, **ints: int) -> str:
        # Integers are inlined (they come from the command line as ints): PostgreSQL cannot type bare
        # parameters inside generate_series and arithmetic.
        for name, value in {"c": communities, "r": residents, **ints}.items():
            template = re.sub(rf"(?<!:):{name}\b", str(int(value)), template)
        return template

    async with engine.begin() as conn:
        for statement in BASE_SQL:
            await conn.execute(text(sql(statement)), params)
    # Bulk loading is several times faster without the secondary indexes: drop them and build each
    # once at the end (the primary key and the unique number constraint stay).
    async with engine.begin() as conn:
        indexes = (
            await conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets' AND indexname LIKE 'ix_%'"
                )
            )
        ).all()
        for name, _ in indexes:
            await conn.execute(text(f'DROP INDEX "{name}"'))
    done = 0
    while done < tickets:
        hi = min(tickets, done + BATCH)
        async with engine.begin() as conn:
            await conn.execute(text(sql(TICKETS_SQL, lo=done + 1, hi=hi)), params)
        done = hi
        if verbose:
            print(f"  {done:>9,} tickets  {time.perf_counter() - started:6.1f} s", flush=True)  # noqa: T201
    async with engine.begin() as conn:
        await conn.execute(text("SET maintenance_work_mem = '256MB'"))
        for name, definition in indexes:
            await conn.execute(text(definition))
            if verbose:
                print(f"  index {name}  {time.perf_counter() - started:6.1f} s", flush=True)  # noqa: T201
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE tickets"))
        await conn.execute(text("ANALYZE users"))
    return time.perf_counter() - started


def main() -> None:
    from app.core.migrations import upgrade_async
    from app.core.runtime import database_url
    from app.core.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=COMMUNITIES)
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    args = parser.parse_args()

    async def run() -> None:
        url = database_url(get_settings())
        await upgrade_async(url)
        engine = create_async_engine(url)
        seconds = await seed(engine, args.tickets, communities=args.communities, residents=args.residents)
        await engine.dispose()
        print(f"seeded {args.tickets:,} tickets in {seconds:.1f} s")  # noqa: T201

    asyncio.run(run())


if __name__ == "__main__":
    main()
