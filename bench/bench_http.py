"""Write paths through a real server: `python -m bench http` (part of `make bench`).

Starts the app as `python -m app serve` does (uvicorn, one API process; then the default workers for the
redemption scenario), and `bench.bare` (a bare FastAPI endpoint doing the same SQL in one statement) on
the same database; drives each from a separate load-generator process (wrk) with 32 keep-alive
connections; prints requests/s, p50, p99 and errors of both and the ratio Linli ÷ bare.

Scenarios: redemption with 100 merchants and with one hot merchant; donation between residents; booking a
slot; ticket intake; the staff ticket queue read. Every request is distinct (its own code, resident and
Idempotency-Key) and used once. BENCH_SECONDS (default 6) per run; BENCH_CONNECTIONS (default 32).
BENCH_ONLY=redemption,donation,booking,intake,queue,two,multi runs only those scenarios (while working on one
path); BENCH_PROFILE=FILE records the one API process with py-spy (on PATH) during the first Linli run and
writes the folded stacks to FILE (read them with `python -m bench.profile FILE`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import insert, text

from app.core import clock
from app.core.database import make_engine
from app.models.bookings import BookableService, BookingSlot
from app.models.identity import Role, RoleGrant
from app.models.ledger import Account, AccountKind, Asset
from app.models.merchants import Merchant
from app.models.tickets import TicketCategory
from bench import support
from bench.support import Request, Result, say

SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
MERCHANTS = 100
TILLS = 32
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "20000"))
SLOTS = 200
ONLY = {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}


def wanted(name: str) -> bool:
    return not ONLY or name in ONLY


class World:
    community: uuid.UUID
    merchants: list[uuid.UUID]
    hot: uuid.UUID
    tills: list[uuid.UUID]  # till i works at merchants i, i+32, i+64, i+96
    hot_tills: list[uuid.UUID]
    residents: list[uuid.UUID]
    staff: uuid.UUID
    category: uuid.UUID
    slots: list[uuid.UUID]


async def seed(url: str) -> World:
    w = World()
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            w.community = await support.community(conn, f"压测社区{uuid.uuid4().hex[:4]}")
            w.merchants = [uuid.uuid4() for _ in range(MERCHANTS + 1)]
            await conn.execute(
                insert(Merchant),
                [
                    {"id": m, "community_id": w.community, "name": f"商户{k:03d}"}
                    for k, m in enumerate(w.merchants)
                ],
            )
            w.hot = w.merchants[-1]
            await conn.execute(
                insert(Account),
                [
                    {
                        "kind": AccountKind.merchant,
                        "asset": Asset.points,
                        "merchant_id": m,
                        "community_id": w.community,
                    }
                    for m in w.merchants
                ],
            )
            w.tills = await support.users(conn, w.community, TILLS, "店员")
            w.hot_tills = await support.users(conn, w.community, TILLS, "热门店员")
            grants = [
                {
                    "user_id": t,
                    "role": Role.merchant,
                    "org_unit_id": w.community,
                    "merchant_id": w.merchants[m],
                }
                for i, t in enumerate(w.tills)
                for m in range(i, MERCHANTS, TILLS)
            ] + [
                {"user_id": t, "role": Role.merchant, "org_unit_id": w.community, "merchant_id": w.hot}
                for t in w.hot_tills
            ]
            await conn.execute(insert(RoleGrant), grants)
            w.staff = (await support.users(conn, w.community, 1, "社区工作人员", role=Role.staff))[0]
            w.residents = await support.users(conn, w.community, RESIDENTS, "居民")
            await support.fund_wallets(conn, w.community, w.residents, Asset.points, 1000)

            w.category = uuid.uuid4()
            await conn.execute(
                insert(TicketCategory),
                [
                    {
                        "id": w.category,
                        "community_id": w.community,
                        "name": "路灯维修",
                        "accept_within_hours": 4,
                        "resolve_within_hours": 72,
                    }
                ],
            )
            service = uuid.uuid4()
            await conn.execute(
                insert(BookableService),
                [{"id": service, "community_id": w.community, "name": "便民理发", "waitlist": False}],
            )
            start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
            w.slots = [uuid.uuid4() for _ in range(SLOTS)]
            await conn.execute(
                insert(BookingSlot),
                [
                    {
                        "id": s,
                        "service_id": service,
                        "community_id": w.community,
                        "start_at": start + timedelta(minutes=30 * k),
                        "end_at": start + timedelta(minutes=30 * k + 30),
                        "capacity": RESIDENTS,
                    }
                    for k, s in enumerate(w.slots)
                ],
            )
    finally:
        await engine.dispose()
    return w


async def fresh_codes(url: str, residents: Sequence[uuid.UUID]) -> list[str]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            return await support.redemption_codes(conn, residents)
    finally:
        await engine.dispose()


async def ledger_ok(url: str) -> bool:
    from app.core.database import make_sessionmaker
    from app.ledger.check import check_invariants

    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_sessionmaker(engine)() as db:
            return bool((await check_invariants(db))["ok"])
    finally:
        await engine.dispose()


async def count(url: str, sql: str) -> int:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------------ requests


def redemptions(w: World, codes: list[str], *, hot: bool, bare: bool) -> list[Request]:
    tokens = {t: support.token(t) for t in (w.hot_tills if hot else w.tills)}
    out = []
    for k, code in enumerate(codes):
        i = k % TILLS
        if hot:
            till, merchant = w.hot_tills[i], w.hot
        else:
            till = w.tills[i]
            choices = list(range(i, MERCHANTS, TILLS))
            merchant = w.merchants[choices[(k // TILLS) % len(choices)]]
        body = {"code": code, "points": 1, "merchant_id": str(merchant)}
        if bare:
            out.append(Request("POST", "/bare/redemptions", body=body))
        else:
            out.append(Request("POST", "/api/v1/redemptions", tokens[till], body, idempotent=True))
    return out


def donations(w: World, n: int, *, bare: bool) -> list[Request]:
    senders = w.residents[: RESIDENTS // 2]
    receivers = w.residents[RESIDENTS // 2 :]
    out = []
    tokens: dict[uuid.UUID, str] = {}
    for k in range(n):
        s, r = senders[k % len(senders)], receivers[(k * 7) % len(receivers)]
        if bare:
            out.append(
                Request(
                    "POST",
                    "/bare/transfers",
                    body={"from_user_id": str(s), "to_user_id": str(r), "amount": 1},
                )
            )
        else:
            tok = tokens.setdefault(s, support.token(s))
            body = {"to_user_id": str(r), "asset": "points", "amount": 1}
            out.append(Request("POST", "/api/v1/transfers", tok, body, idempotent=True))
    return out


def bookings(w: World, residents: Sequence[uuid.UUID], slot_offset: int, *, bare: bool) -> list[Request]:
    out = []
    for k, r in enumerate(residents):
        slot = w.slots[(k + slot_offset) % SLOTS]
        if bare:
            out.append(Request("POST", "/bare/bookings", body={"slot_id": str(slot), "user_id": str(r)}))
        else:
            out.append(
                Request("POST", "/api/v1/bookings", support.token(r), {"slot_id": str(slot)}, idempotent=True)
            )
    return out


def intakes(w: World, residents: Sequence[uuid.UUID], *, bare: bool) -> list[Request]:
    out = []
    for k, r in enumerate(residents):
        body = {"category_id": str(w.category), "description": f"3栋门口路灯不亮了（压测 {k}）"}
        if bare:
            out.append(Request("POST", "/bare/tickets", body={**body, "user_id": str(r)}))
        else:
            out.append(Request("POST", "/api/v1/tickets", support.token(r), body, idempotent=True))
    return out


def queue_reads(w: World, n: int, *, bare: bool) -> list[Request]:
    if bare:
        return [Request("GET", f"/bare/tickets?community_id={w.community}")] * n
    tok = support.token(w.staff)
    return [Request("GET", "/api/v1/tickets?limit=20", tok)] * n


# ------------------------------------------------------------------------------------------ runs


def run(base: str, requests: list[Request], connections: int = CONNECTIONS) -> Result:
    return support.load(base, requests, connections=connections, seconds=SECONDS)


def run_profiled(base: str, requests: list[Request]) -> Result:
    """`run`, with py-spy recording the API process meanwhile when BENCH_PROFILE names a file."""
    out = os.environ.get("BENCH_PROFILE")
    if not out:
        return run(base, requests)
    with support.profiling(base, out, SECONDS):
        return run(base, requests)


def table(rows: list[tuple[str, Result, Result | None]]) -> None:
    say(
        f"{'scenario':<34} {'Linli r/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7} {'errors':>6} | "
        f"{'bare r/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7} {'errors':>6} | {'ratio':>6}"
    )
    for name, linli, bare in rows:
        if bare is None:
            say(f"{name:<34} {linli.row()} | {'':>42} | {'':>6}")
        else:
            say(f"{name:<34} {linli.row()} | {bare.row()} | {linli.rate / bare.rate:6.3f}")
    for name, linli, bare in rows:
        for who, r in (("Linli", linli), ("bare", bare)):
            if r is not None and r.errors:
                say(f"  {name} {who}: {r.errors} errors, e.g. {r.sample_error}")


async def main() -> None:
    say(support.machine())
    say(f"connections: {CONNECTIONS}, {SECONDS:.0f} s per run, load generator: wrk (or bench.loadgen)")
    async with support.database() as url:
        w = await seed(url)
        rows: list[tuple[str, Result, Result | None]] = []
        n_linli = min(RESIDENTS, int(os.environ.get("BENCH_MAX_REQUESTS", str(RESIDENTS))))
        half = RESIDENTS // 2

        with support.serve_bare(url) as bare_base, support.serve_app(url, workers=1) as app_base:
            # Warm up both (imports, pools, first-request costs).
            warm = await fresh_codes(url, w.residents[:64])
            run(app_base, redemptions(w, warm[:32], hot=False, bare=False), connections=4)
            run(bare_base, redemptions(w, warm[32:], hot=False, bare=True), connections=4)

            if wanted("redemption"):
                for name, hot in (
                    ("redemption, 100 merchants", False),
                    ("redemption, one hot merchant", True),
                ):
                    codes = await fresh_codes(url, w.residents)
                    reqs = redemptions(w, codes[:n_linli], hot=hot, bare=False)
                    linli = run_profiled(app_base, reqs) if not hot else run(app_base, reqs)
                    codes = await fresh_codes(url, w.residents)
                    bare = run(bare_base, redemptions(w, codes, hot=hot, bare=True))
                    rows.append((name, linli, bare))

            if wanted("two") or wanted("redemption"):
                codes = await fresh_codes(url, w.residents)
                two = run(app_base, redemptions(w, codes[:n_linli], hot=False, bare=False), connections=2)
                codes = await fresh_codes(url, w.residents)
                two_bare = run(bare_base, redemptions(w, codes, hot=False, bare=True), connections=2)
                rows.append(("redemption, 2 connections", two, two_bare))

            if wanted("donation"):
                rows.append(
                    (
                        "donation between residents",
                        run_profiled(app_base, donations(w, n_linli, bare=False)),
                        run(bare_base, donations(w, RESIDENTS, bare=True)),
                    )
                )
            if wanted("booking"):
                rows.append(
                    (
                        "booking a slot",
                        run_profiled(app_base, bookings(w, w.residents[:half], 0, bare=False)),
                        run(bare_base, bookings(w, w.residents[half:], 100, bare=True)),
                    )
                )
            if wanted("intake"):
                rows.append(
                    (
                        "ticket intake",
                        run_profiled(app_base, intakes(w, w.residents[:half], bare=False)),
                        run(bare_base, intakes(w, w.residents[half:], bare=True)),
                    )
                )
            if wanted("queue"):
                rows.append(
                    (
                        "staff ticket queue read",
                        run_profiled(app_base, queue_reads(w, 40000, bare=False)),
                        run(bare_base, queue_reads(w, 80000, bare=True)),
                    )
                )

        say_multi: Callable[[], None] = lambda: None  # noqa: E731
        if not wanted("multi") or not rows or rows[0][0] != "redemption, 100 merchants":
            pass
        elif support.serve_takes_workers():
            with support.serve_app(url, workers=None) as multi_base:
                codes = await fresh_codes(url, w.residents)
                run(multi_base, redemptions(w, codes[:64], hot=False, bare=False), connections=8)
                codes = await fresh_codes(url, w.residents)
                multi = run(multi_base, redemptions(w, codes, hot=False, bare=False))
            single = rows[0][1]
            rows.append((f"redemption, default workers ({os.cpu_count()} CPUs)", multi, None))
            say_multi = lambda: say(  # noqa: E731
                f"default workers ÷ one process (redemption, 100 merchants): {multi.rate / single.rate:.2f}"
            )
        else:
            say_multi = lambda: say("serve has no --workers option in this build")  # noqa: E731

        table(rows)
        say_multi()
        tickets = await count(url, "SELECT count(*) FROM tickets")
        say(f"tickets after the runs: {tickets}; ledger check: {'ok' if await ledger_ok(url) else 'BROKEN'}")


if __name__ == "__main__":
    asyncio.run(main())
