"""Fallback load generator when wrk is not installed: `python -m bench.loadgen BASE FILE CONNECTIONS SECONDS`.

A separate process (so it never shares the server's event loop), keep-alive connections, each prepared
request sent once; prints one `BENCH_JSON {...}` line like bench/wrk.lua. Slower than wrk: on a small
machine it takes CPU from the server, so prefer `apt-get install wrk`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import httpx


async def run(base: str, path: str, connections: int, seconds: float) -> dict[str, object]:
    lines = [line.rstrip("\n").split("\t", 4) for line in open(path, encoding="utf-8")]  # noqa: ASYNC230
    queue = iter(lines)
    latencies: list[float] = []
    errors = 0
    sample = ""
    stop_at = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal errors, sample
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            for method, url, token, key, body in queue:
                if time.perf_counter() > stop_at:
                    return
                headers = {"Accept": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                if key:
                    headers["Idempotency-Key"] = key
                if body:
                    headers["Content-Type"] = "application/json"
                started = time.perf_counter()
                try:
                    r = await c.request(method, url, content=body or None, headers=headers)
                    if r.status_code >= 300:
                        errors += 1
                        sample = sample or f"{r.status_code} {r.text[:300]}"
                except httpx.HTTPError as exc:
                    errors += 1
                    sample = sample or repr(exc)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rate": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "errors": errors,
        "sample_error": sample,
    }


def main() -> int:
    base, path, connections, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    result = asyncio.run(run(base, path, connections, seconds))
    print("BENCH_JSON " + json.dumps(result, ensure_ascii=False), flush=True)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
