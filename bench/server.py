"""The portal served as in production, for the benchmarks that measure over HTTP.

gunicorn runs with the project's ``gunicorn.conf.py`` (gthread; its workers
and threads; access log off) on a free port of 127.0.0.1, with
``PORTAL_ENV=testing`` on a given database. Clients sign in as a browser
does (the login form with its CSRF token) or as a program does
(``POST /api/v1/tokens``). The same settings build the portal in-process,
where the SQL statements of one request are counted.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bench.machine import BenchFailure

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PASSPHRASE = "bench-keys-passphrase-not-for-production"  # noqa: S105 - scratch keys
PORTAL_READY_PATH = "/auth/login"  # answered once a worker has built the app
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    workers: int
    threads: int

    def worker_memory(self) -> dict[str, Any]:
        """Resident and peak memory (MiB) of each worker, read from /proc."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        rss, peak = [], []
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            rss.append(_kib(status, "VmRSS") / 1024)
            peak.append(_kib(status, "VmHWM") / 1024)
        return {
            "workers": len(children),
            "rss_mib": [round(value) for value in rss],
            "peak_mib": [round(value) for value in peak],
            "max_rss_mib": round(max(rss)),
            "max_peak_mib": round(max(peak)),
        }


def environment(url: str, folder: str) -> dict[str, str]:
    """What the portal needs to run on ``url`` with keys and files in ``folder``."""
    return {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "DATABASE_URL": url,
        "STORAGE_DIR": str(Path(folder) / "storage"),
        "KEYS_DIR": str(Path(folder) / "keys"),
        "KEYS_PASSPHRASE": PASSPHRASE,
        "PORTAL_BASE_URL": "https://portal.test",
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }


def app_config(env: dict[str, str], **extra: Any) -> dict[str, Any]:
    """The configuration of ``create_app`` for the portal of ``env`` built in-process:
    testing, no rate limits, and ``extra``."""
    config = {key: value for key, value in env.items() if key != "PORTAL_ENV"}
    return {**config, "TESTING": True, "RATELIMIT_ENABLED": False, **extra}


def gunicorn_workers() -> int:
    """How many workers gunicorn starts: ``WEB_CONCURRENCY``, else twice the cores
    plus one, 8 at most."""
    return int(os.environ.get("WEB_CONCURRENCY", min((os.cpu_count() or 1) * 2 + 1, 8)))


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], module: str = "wsgi:app", ready: str | None = PORTAL_READY_PATH
) -> Iterator[Server]:
    """``module`` under gunicorn with the project's settings; yields the server.

    Yields once ``ready`` answers (within 180 seconds), or, when ``ready`` is
    None, once the port accepts connections (within 60 seconds).

    :raise BenchFailure: gunicorn exited or did not answer in time.
    """
    port = _free_port()
    workers = gunicorn_workers()
    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    full = {**os.environ, **env, "WEB_CONCURRENCY": str(workers)}
    with tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log") as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                log.name,
                module,
            ],
            cwd=ROOT,
            env=full,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            if ready is None:
                _wait_for_port(port, process, Path(log.name))
            else:
                _wait_for_answer(base + ready, process, Path(log.name))
            yield Server(base, process.pid, workers, threads)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def api_client(base: str, username: str, password: str) -> requests.Session:
    """A client with a bearer token of ``username``."""
    client = requests.Session()
    answer = client.post(
        f"{base}/api/v1/tokens", json={"username": username, "password": password}, timeout=60
    )
    if answer.status_code != 201:  # noqa: PLR2004
        raise BenchFailure(f"no token for {username}: {answer.status_code} {answer.text[:200]}")
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return client


def page_client(base: str, username: str, password: str) -> requests.Session:
    """A client signed in through the login form (its CSRF token included)."""
    client = requests.Session()
    form = client.get(f"{base}/auth/login", timeout=60)
    token = _CSRF.search(form.text)
    if token is None:
        raise BenchFailure("the login page has no CSRF token")
    answer = client.post(
        f"{base}/auth/login",
        data={"username": username, "password": password, "csrf_token": token[1], "next": ""},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302:  # noqa: PLR2004
        raise BenchFailure(f"{username} could not sign in: {answer.status_code}")
    return client


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def latencies(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest-rank) of ``seconds``, in milliseconds."""
    return {
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
    }


def count_statements(engine: sa.Engine, request: Callable[[], Any]) -> int:
    """Statements one call of ``request`` runs on ``engine`` (after one uncounted warm-up).

    :raise BenchFailure: a call did not answer 200.
    """
    if request().status_code != 200:  # noqa: PLR2004
        raise BenchFailure("an in-process request failed")
    with _counting(engine) as counted:
        answer = request()
    if answer.status_code != 200:  # noqa: PLR2004
        raise BenchFailure("an in-process request failed")
    return counted[0]


@contextlib.contextmanager
def _counting(engine: sa.Engine) -> Iterator[list[int]]:
    counted = [0]

    def count(*_: Any) -> None:
        counted[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _kib(status: str, field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(found[1]) if found else 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_answer(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        _check_running(process, log)
        try:
            if requests.get(url, timeout=120).ok:
                return
        except requests.RequestException:
            time.sleep(0.5)
    raise BenchFailure("gunicorn did not answer within 180 seconds")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _check_running(process, log)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise BenchFailure("gunicorn did not start within 60 seconds")


def _check_running(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        raise BenchFailure(f"gunicorn exited: {log.read_text()[-2000:]}")
