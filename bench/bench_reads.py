"""Reads at scale, through a real server: ticket search, queues, a month's stats, and exports' memory.

`python -m bench reads` seeds BENCH_READS_TICKETS tickets (default 1,000,000, with 20,000 residents, in
about two minutes; `bench/seed.py`) into DATABASE_URL (a scratch database!) or a private embedded
PostgreSQL, starts the app as `python -m app serve` starts it (one API process), and times requests to it
over HTTP from this process, one at a time: p50 and p99 of

- the staff queue (first page, urgency order) and a resident's own list;
- text search `q=`: a rare ticket number fragment (`#12345`, about a dozen matches in the community),
  a phone-like digit run with no match, and Chinese phrases from one to five characters, common and rare;
- the ticket statistics of the last month;

then downloads the XLSX export twice — the last 30 days and everything (capped by
LINLI_TICKETS_EXPORT_MAX_ROWS, 100,000) — and reports each one's rows, size, time and the API process's
peak resident memory during it (VmHWM, reset before each download through /proc/<pid>/clear_refs), to
show it does not grow with the row count. Tests check behaviour; this only reports numbers.
"""

from __future__ import annotations

import functools
import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import support
from bench.seed import seed

TICKETS = int(os.environ.get("BENCH_READS_TICKETS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(name: str, n: int, call: Callable[[int], httpx.Response]) -> None:
    call(0)  # warm
    samples = []
    for i in range(n):
        started = time.perf_counter()
        r = call(i)
        samples.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (name, r.status_code, r.text[:200])
    support.say(
        f"  {name:<46} n={n:<4} p50 {statistics.median(samples):7.1f} ms   p99 {_pct(samples, 0.99):7.1f} ms"
    )


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _api_pid(base: str) -> int:
    """The process answering HTTP: the largest in serve's family (the job worker is the other one)."""
    return max(support.family(support.PIDS[base]), key=lambda p: _status_kb(p, "VmRSS"))


def _export(client: httpx.Client, base: str, name: str, params: dict[str, str]) -> None:
    pid = _api_pid(base)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status_kb(pid, "VmRSS")
    started = time.perf_counter()
    size = 0
    body = io.BytesIO()
    with client.stream("GET", "/api/v1/exports/tickets.xlsx", params=params, timeout=600) as r:
        assert r.status_code == 200, (name, r.status_code)
        for chunk in r.iter_bytes():
            size += len(chunk)
            body.write(chunk)
    seconds = time.perf_counter() - started
    peak = _status_kb(pid, "VmHWM")
    sheet = load_workbook(body, read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1 if sheet is not None else 0
    support.say(
        f"  export {name:<22} {rows:>8,} rows {size / 1e6:7.1f} MB {seconds:6.1f} s   "
        f"API RSS before {before / 1024:6.1f} MB, peak during {peak / 1024:6.1f} MB"
    )


def _search(
    get: Callable[..., httpx.Response], api: str, headers: dict[str, str], phrase: str, i: int
) -> httpx.Response:
    return get(api, headers, q=phrase)


async def main() -> None:
    support.say(support.machine())
    async with support.database() as url:
        engine = create_async_engine(url, pool_size=2)
        seconds = await seed(engine, TICKETS, verbose=False)
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
            staff = (await conn.execute(text("SELECT md5('bench-staff-0')::uuid"))).scalar_one()
            resident_ids = (
                (
                    await conn.execute(
                        text("SELECT id FROM users WHERE openid LIKE 'bench-openid-%' ORDER BY id LIMIT 200")
                    )
                )
                .scalars()
                .all()
            )
        await engine.dispose()
        support.say(f"  {count:,} tickets (seeded in {seconds:.0f} s)")
        staff_h = {"Authorization": f"Bearer {support.token(staff)}"}
        residents = [{"Authorization": f"Bearer {support.token(r)}"} for r in resident_ids]
        now = datetime.now(UTC)
        month = {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
        with support.serve_app(url, workers=1) as base, httpx.Client(base_url=base, timeout=60) as client:
            api = "/api/v1/tickets"

            def get(path: str, headers: dict[str, str], **params: str) -> httpx.Response:
                return client.get(path, params=params, headers=headers)

            _time("staff queue, first page (20)", REQUESTS, lambda i: get(api, staff_h))
            _time("resident's own list", REQUESTS, lambda i: get(api, residents[i % len(residents)]))
            _time(
                "q= ticket number fragment (#12345)",
                REQUESTS,
                lambda i: get(api, staff_h, q=f"#{10007 + i * 3701}"),
            )
            _time("q= digits with no match", REQUESTS // 2, lambda i: get(api, staff_h, q=f"1390{i:07d}"))
            phrases = [
                "楼道灯不亮",
                "水管漏水",
                "漏水",
                "电梯",
                "栋",
                "请尽快处理",
                "井盖缺失，位置",
                "无此内容的描述",
            ]
            for phrase in phrases:
                _time(
                    f"q= {phrase}",
                    max(20, REQUESTS // 10),
                    functools.partial(_search, get, api, staff_h, phrase),
                )
            _time(
                "ticket stats, last 30 days",
                max(20, REQUESTS // 10),
                lambda i: get("/api/v1/stats/tickets", staff_h, **month),
            )
            client.headers.update(staff_h)
            _export(client, base, "last 30 days", {"from": month["from"]})
            _export(client, base, "all (capped)", {})
