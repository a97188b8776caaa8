"""`make bench`: run every benchmark module in bench/ that defines main() and print its figures."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    only = sys.argv[1:]
    for name in names:
        if only and name.removeprefix("bench_") not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)  # noqa: T201
        asyncio.run(module.main())
    if not names:
        print("no benchmarks yet")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
