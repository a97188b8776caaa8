"""Read a py-spy folded-stack profile (`BENCH_PROFILE=FILE python -m bench http`):
`python -m bench.profile FILE [N] [FILTER]` prints the N functions with the most inclusive and self samples
(py-spy leaves idle samples out unless told), optionally only frames whose name
contains FILTER.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:]*)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "lib/python3.11/", "/perf/", "/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


def main() -> int:
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in open(path, encoding="utf-8"):
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";")]
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    print(f"samples: {total}")  # noqa: T201
    for title, table in (("inclusive", inclusive), ("self", own)):
        print(f"-- {title}")  # noqa: T201
        shown = 0
        for name, n in table.most_common():
            if only and only not in name:
                continue
            print(f"{100 * n / max(total, 1):6.1f}%  {name}")  # noqa: T201
            shown += 1
            if shown >= top:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
