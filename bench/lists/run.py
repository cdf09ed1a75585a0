"""The reviewers' lists at national scale: the task and application lists of the
API, the inbox pages, and the memory the workers keep afterwards.

    .venv/bin/python -m bench.lists.run --reuse bench_scale      # a kept scale database
    .venv/bin/python -m bench.lists.run --applications 20000 --open-tasks 2000 --escalated 200
    make bench-lists

On a scale database (:mod:`bench.scale.generate`: reused with ``--reuse``,
else generated and dropped), gunicorn with the project's settings serves the
portal (see :mod:`bench.server`), and one client at a time requests,
``--requests`` times each after one warm-up per worker (at most ``--budget``
seconds per measurement, at least 5 requests):

1. the Hunan provincial reviewer's ``GET /api/v1/tasks`` (bearer token): the
   first page; then every page once, following ``next``, to count the list;
2. the Hunan reviewer's inbox page ``/review/`` (signed in through the login form);
3. the national reviewer's inbox page, which lists the escalated tasks of every
   province (``--escalated``, 5,000 by default);
4. the Hunan reviewer's ``GET /api/v1/applications``: the first page, and the
   page ``--deep`` pages further, reached by following ``next``;
5. the workers' resident memory (VmRSS, and the peak VmHWM) after all that.

p50 and p95 are nearest-rank over the requests. The SQL statements of one
request of each (after a warm-up) are counted in-process, with the same
portal on the same database and a SQLAlchemy event. Every answer must be
200; the lists must hold only Hunan tasks and applications, as many tasks as
the database has open for Hunan, and the pages must list tasks.

Prints a report and writes it as JSON to ``bench/results/lists.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import requests
import sqlalchemy as sa

from bench.machine import BenchFailure, machine, run_benchmark
from bench.scale.generate import (
    measure_on_scale,
    parse_scale_arguments,
    scale_benchmark_parser,
)
from bench.scale.template import PASSWORD, REVIEWERS
from bench.server import (
    Server,
    api_client,
    app_config,
    count_statements,
    environment,
    gunicorn,
    latencies,
    page_client,
    percentile,
)
from portal import create_app
from portal.core.extensions import db

TASK_LINKS = ("/review/tasks/", "/review/escalations/")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    measure = partial(measure_on_scale, args, _measure, "bench-lists-")
    return run_benchmark(measure, args.output, _print)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = scale_benchmark_parser("python -m bench.lists.run", __doc__, "lists.json")
    parser.add_argument("--requests", type=int, default=30, help="requests per measurement")
    parser.add_argument("--budget", type=float, default=90, help="seconds per measurement, at most")
    parser.add_argument("--deep", type=int, default=200, help="pages to follow for the deep page")
    args = parse_scale_arguments(parser, argv)
    if args.requests < 5 or args.deep < 1:  # noqa: PLR2004
        parser.error("--requests at least 5, --deep at least 1")
    return args


def _measure(
    url: str, info: dict[str, Any], folder: str, args: argparse.Namespace
) -> dict[str, Any]:
    hunan_open = _hunan_open(url)
    env = environment(url, folder)
    statements = _statements(env)
    print("serving the portal with gunicorn ...", flush=True)
    with gunicorn(env) as server:
        hunan = api_client(server.base, REVIEWERS.provincial, PASSWORD)
        results: dict[str, Any] = {}
        results["api_tasks"] = _timed(server, args, hunan, "/api/v1/tasks", _tasks_check)
        results["api_tasks"]["walk"] = _walk(hunan, server.base, "/api/v1/tasks", _tasks_check)
        if results["api_tasks"]["walk"]["items"] != hunan_open:
            raise BenchFailure(
                f"the Hunan task list holds {results['api_tasks']['walk']['items']} tasks, "
                f"the database {hunan_open} open ones"
            )
        pages = {
            "hunan_inbox": page_client(server.base, REVIEWERS.provincial, PASSWORD),
            "national_inbox": page_client(server.base, REVIEWERS.national, PASSWORD),
        }
        for name, client in pages.items():
            results[name] = _timed(server, args, client, "/review/", _page_check)
        results["api_applications"] = _timed(
            server, args, hunan, "/api/v1/applications", _applications_check
        )
        deep = _follow(hunan, server.base, "/api/v1/applications", args.deep)
        if deep is not None:
            results["api_applications_deep"] = {
                "path": deep,
                **_timed(server, args, hunan, deep, _applications_check),
            }
        memory = server.worker_memory()
    for name, count in statements.items():
        if name in results:
            results[name]["statements"] = count
    return {
        "benchmark": "lists",
        "question": "reviewers' lists and inbox pages at national scale",
        "scale": {
            key: info.get(key)
            for key in (
                "applications",
                "tasks",
                "open_tasks",
                "hunan_applications",
                "escalated_open_tasks",
                "audit_events",
                "size",
            )
        },
        "hunan_open_tasks_now": hunan_open,
        "machine": machine("SQLAlchemy", "Flask", "gunicorn"),
        "gunicorn": {"workers": server.workers, "threads": server.threads},
        "requests": args.requests,
        "results": results,
        "worker_memory": memory,
    }


def _hunan_open(url: str) -> int:
    """How many open tasks the Hunan provincial reviewer may act on, now."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM tasks WHERE state = 'open' "
                        "AND role = 'provincial_reviewer' AND scope LIKE '43%'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _timed(
    server: Server,
    args: argparse.Namespace,
    client: requests.Session,
    path: str,
    check: Callable[[requests.Response], int],
) -> dict[str, Any]:
    """``path`` requested one at a time: latency percentiles and size of the answer."""
    for _ in range(server.workers):  # each worker's first request loads what it caches
        check(_get(client, server.base + path))
    seconds: list[float] = []
    started = time.monotonic()
    load = os.getloadavg()[0]
    while len(seconds) < args.requests and (
        len(seconds) < 5 or time.monotonic() - started < args.budget  # noqa: PLR2004
    ):
        begun = time.perf_counter()
        answer = _get(client, server.base + path)
        seconds.append(time.perf_counter() - begun)
        items = check(answer)
    print(f"  {path[:60]:<60} p95 {percentile(seconds, 95) * 1000:8.1f} ms", flush=True)
    return {
        "requests": len(seconds),
        **latencies(seconds),
        "max_ms": round(max(seconds) * 1000, 1),
        "bytes": len(answer.content),
        "items": items,
        "paginated": _next(answer) is not None,
        "load_before": round(load, 2),
    }


def _get(client: requests.Session, url: str) -> requests.Response:
    answer = client.get(url, timeout=600)
    if answer.status_code != 200:  # noqa: PLR2004
        raise BenchFailure(f"GET {url}: {answer.status_code} {answer.text[:200]}")
    return answer


def _next(answer: requests.Response) -> str | None:
    if not answer.headers.get("Content-Type", "").startswith("application/json"):
        return None
    link = answer.json().get("next")
    return str(link) if link else None


def _walk(
    client: requests.Session, base: str, path: str, check: Callable[[requests.Response], int]
) -> dict[str, Any]:
    """Every page of a list once, following ``next``: pages, items, seconds."""
    pages = items = 0
    started = time.perf_counter()
    link: str | None = path
    while link is not None:
        answer = _get(client, _absolute(base, link))
        items += check(answer)
        pages += 1
        link = _next(answer)
    return {"pages": pages, "items": items, "seconds": round(time.perf_counter() - started, 2)}


def _follow(client: requests.Session, base: str, path: str, pages: int) -> str | None:
    """The path of the page ``pages`` pages after the first (None: no ``next`` link)."""
    link: str | None = path
    for _ in range(pages):
        following = _next(_get(client, _absolute(base, link or path)))
        if following is None:
            return None if link == path else link
        link = following
    return link


def _absolute(base: str, link: str) -> str:
    return link if link.startswith("http") else base + link


def _tasks_check(answer: requests.Response) -> int:
    items = answer.json()["items"]
    if not items or any(not str(t.get("scope", "43")).startswith("43") for t in items):
        raise BenchFailure("the Hunan task list is empty or holds another province's task")
    return len(items)


def _applications_check(answer: requests.Response) -> int:
    items = answer.json()["items"]
    codes = [a.get("division_code") for a in items]
    if not items or any(code is not None and not str(code).startswith("43") for code in codes):
        raise BenchFailure("the Hunan application list is empty or holds another province's")
    return len(items)


def _page_check(answer: requests.Response) -> int:
    """Links to tasks on the page (a task may be linked more than once)."""
    links = sum(answer.text.count(link) for link in TASK_LINKS)
    if links == 0:
        raise BenchFailure("the inbox page lists no task")
    return links


def _statements(env: dict[str, str]) -> dict[str, int]:
    """SQL statements of one request of each measured path, counted in-process."""
    app = create_app(app_config(env, WTF_CSRF_ENABLED=False))
    try:
        with app.app_context():
            engine = db.engine
        counts: dict[str, int] = {}
        api = app.test_client()
        token = api.post(
            "/api/v1/tokens", json={"username": REVIEWERS.provincial, "password": PASSWORD}
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for name, path in (
            ("api_tasks", "/api/v1/tasks"),
            ("api_applications", "/api/v1/applications"),
        ):
            counts[name] = count_statements(engine, partial(api.get, path, headers=headers))
        for name, user in (
            ("hunan_inbox", REVIEWERS.provincial),
            ("national_inbox", REVIEWERS.national),
        ):
            client = app.test_client()
            client.post("/auth/login", data={"username": user, "password": PASSWORD})
            counts[name] = count_statements(engine, partial(client.get, "/review/"))
        return counts
    finally:
        with app.app_context():
            db.engine.dispose()


def _print(report: dict[str, Any]) -> None:
    scale = report["scale"]
    print(
        f"\n{scale['applications']:,} applications, {scale['open_tasks']:,} open tasks, "
        f"{report['hunan_open_tasks_now']:,} for Hunan, {scale['escalated_open_tasks']:,} "
        f"escalated; one client, {report['requests']} requests each (issue 10's target beside)"
    )
    targets = {
        "api_tasks": "p95 <= 50 ms, paginated",
        "hunan_inbox": "p95 <= 80 ms, statements independent of content",
        "national_inbox": "p95 <= 80 ms, statements independent of content",
        "api_applications": "p95 <= 50 ms, paginated",
        "api_applications_deep": "p95 <= 50 ms",
    }
    for name, target in targets.items():
        result = report["results"].get(name)
        if result is None:
            print(f"  {name:<22} (no next link: not measured)")
            continue
        statements = result.get("statements")
        print(
            f"  {name:<22} p50 {result['p50_ms']:8.1f} ms  p95 {result['p95_ms']:8.1f} ms  "
            f"{result['bytes'] / 1024:8.0f} KB  {result['items']:6} items  "
            f"{'' if statements is None else f'{statements} statements'}  [{target}]"
        )
    walk = report["results"]["api_tasks"]["walk"]
    print(
        f"  whole Hunan task list: {walk['items']} tasks in {walk['pages']} pages, "
        f"{walk['seconds']} s"
    )
    memory = report["worker_memory"]
    print(
        f"  worker memory after the lists: max {memory['max_rss_mib']} MiB resident "
        f"(peak {memory['max_peak_mib']} MiB) of {memory['workers']} workers  [<= 300 MiB]"
    )


if __name__ == "__main__":
    sys.exit(main())
