"""Point 6: SIGTERM to `python -m app serve` stops the API and the worker it started, and exits 0.

The embedded PostgreSQL's part (started by `serve`, stopped on SIGTERM) is proved by the end-to-end
run's teardown (miniprogram_stub/tests/support/global-teardown.js), which already pays for a fresh
embedded server, its migrations and the demo data, and runs it from a data path with spaces: doing it
here as well would cost the suite another minute on a loaded machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from app.core.settings import PROJECT_DIR
from tests.support.db import odd_data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not become ready:\n{log.read_text()}")


def _gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_stops_the_api_and_the_worker(database_url: str) -> None:
    data_dir = odd_data_dir()
    port = _free_port()
    log = data_dir / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "LINLI_", "REDIS_"))}
    env.update(
        DATABASE_URL=database_url,
        LINLI_DATA_DIR=str(data_dir),
        LINLI_ENV="dev",
        WECHAT_FAKE="1",
        LOG_LEVEL="WARNING",
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--worker", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(f"http://127.0.0.1:{port}", proc, log)
        workers = [c for c in psutil.Process(proc.pid).children() if "worker" in c.cmdline()]
        assert len(workers) == 1

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
        assert _gone(workers[0].pid), "the worker outlived serve"
        assert "Traceback" not in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir.parent, ignore_errors=True)
