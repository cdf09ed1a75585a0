"""How long one ``tick`` takes with 10,000 waiting timers of which 1,000 are due.

    .venv/bin/python -m bench.timers.run            # PostgreSQL, then SQLite
    .venv/bin/python -m bench.timers.run --backend postgresql --runs 3
    make bench-timers

For each backend: a scratch database is created and migrated and the portal
built on it (``create_app``, testing configuration). Ten real refund and
backfill applications are submitted through the services on days in October
2026 (see :mod:`bench.timers.data`), five whose 3-working-day review deadline
has passed by :data:`MOMENT` and five whose deadline has not, then copied
until 10,000 timers wait, 1,000 of them due. Each run moves the clock to
:data:`MOMENT` and times ``TimerService(db.session, processes.platform).fire_due()``, what
``flask --app wsgi tick`` runs: every due application is locked, its workflow
state loaded, its timer fired through SpiffWorkflow (the escalation service
task runs), and the state saved and projected. A run must fire exactly the
due timers and leave the others waiting. Before every run after the first,
1,000 new due copies are added (fired timers stay, as in production), so each
run again finds 10,000 waiting and 1,000 due. On PostgreSQL the database is
vacuumed and analysed before each run, as autovacuum would have done by then.

Prints a report and writes it as JSON to ``bench/results/timers.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from bench.machine import machine, save_report
from bench.scratch import add_database_arguments, scratch_database
from bench.timers import data
from bench.timers.data import CHINA, Template, at
from portal import create_app
from portal.applications.timers import TimerService
from portal.core.extensions import db, processes

ROOT = Path(__file__).resolve().parents[2]
DATABASE_NAME = "bench_timers"
MOMENT = datetime(2026, 10, 28, 10, 0, tzinfo=CHINA)  # a Wednesday morning
REGISTERED = datetime(2026, 9, 1, 9, 0, tzinfo=CHINA)
# Deadlines from 16 to 22 October: due at MOMENT.
DUE_SUBMITTED = [datetime(2026, 10, day, 9, 30, tzinfo=CHINA) for day in (12, 13, 14, 15, 16)]
# Deadlines from 29 October to 3 November: not yet due at MOMENT.
WAITING_SUBMITTED = [
    datetime(2026, 10, 23, 9, 30, tzinfo=CHINA),
    datetime(2026, 10, 26, 9, 30, tzinfo=CHINA),
    datetime(2026, 10, 27, 9, 30, tzinfo=CHINA),
    datetime(2026, 10, 27, 16, 0, tzinfo=CHINA),
    datetime(2026, 10, 28, 8, 30, tzinfo=CHINA),
]


class BenchFailure(RuntimeError):
    """The data or a tick was not what the benchmark measures; the figures are void."""


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    report: dict[str, Any] = {
        "benchmark": "timers",
        "question": f"one tick with {args.timers} waiting timers of which {args.due} are due",
        "moment": MOMENT.isoformat(),
        "runs": args.runs,
        "machine": machine("SpiffWorkflow", "SQLAlchemy"),
        "results": {},
    }
    try:
        for backend in backends:
            report["results"][backend] = _measure(backend, args)
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    save_report(report, args.output)
    _print(report)
    print(f"written to {args.output}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.timers.run", description=__doc__)
    add_database_arguments(parser, DATABASE_NAME)
    parser.add_argument("--timers", type=int, default=10_000, help="waiting timers")
    parser.add_argument("--due", type=int, default=1_000, help="of which due")
    parser.add_argument("--runs", type=int, default=5, help="timed ticks (the median is reported)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the timed runs, one more under cProfile (not counted); "
        "stats saved beside the output",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "timers.json")
    args = parser.parse_args(argv)
    if not len(DUE_SUBMITTED) <= args.due <= args.timers - len(WAITING_SUBMITTED):
        parser.error("--due must leave room for the real applications on both sides")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def _measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with (
        scratch_database(
            backend, server_url=args.server, name=DATABASE_NAME, keep=args.keep
        ) as url,
        tempfile.TemporaryDirectory(prefix="bench-timers-storage-") as storage,
    ):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret-key-not-for-production",
                "DATABASE_URL": url,
                "STORAGE_DIR": storage,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
                "PORTAL_BASE_URL": "https://portal.test",
            }
        )
        try:
            return _measure_on(app, backend, args)
        finally:
            with app.app_context():
                db.engine.dispose()


def _measure_on(app: Flask, backend: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"[{backend}] building {args.timers} waiting timers, {args.due} due ...", flush=True)
    started = time.perf_counter()
    with app.app_context():
        due, waiting = _templates(db.session)
        real_s = time.perf_counter() - started
        data.add_copies(db.session, due, args.due - len(due))
        data.add_copies(db.session, waiting, args.timers - args.due - len(waiting))
    build_s = time.perf_counter() - started
    runs: list[dict[str, Any]] = []
    for number in range(1, args.runs + 1):
        if number > 1:
            with app.app_context():
                data.add_copies(db.session, due, args.due)
        runs.append(_run(app, args))
        print(
            f"[{backend}] run {number}: {runs[-1]['seconds']:.2f} s "
            f"({runs[-1]['cpu_seconds']:.2f} s CPU in this process, "
            f"load average {runs[-1]['load_before']:.2f} before)",
            flush=True,
        )
    if args.profile:
        with app.app_context():
            data.add_copies(db.session, due, args.due)
        path = args.output.with_name(f"timers-{backend}.pstats")
        _run(app, args, profile=path)
        print(
            f"[{backend}] profile of one more run written to {path}, "
            f"its statements by kind to {path.with_suffix('.sql.txt')}"
        )
        pstats.Stats(str(path)).sort_stats("cumulative").print_stats(30)
    seconds = [run["seconds"] for run in runs]
    median = statistics.median(seconds)
    return {
        "server": _server_version(app),
        "open_tasks_lookup": _open_tasks_plan(app),
        "build_seconds": round(build_s, 1),
        "real_applications_seconds": round(real_s, 1),  # the cinema and the ten templates
        "runs_seconds": [round(s, 3) for s in seconds],
        "runs_cpu_seconds": [round(run["cpu_seconds"], 3) for run in runs],
        "runs_load_before": [round(run["load_before"], 2) for run in runs],
        "statements_per_timer": round(runs[-1]["statements"] / args.due, 1),
        "median_seconds": round(median, 3),
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
        "ms_per_timer": round(median / args.due * 1000, 2),
        "timers_per_second": round(args.due / median, 1),
        "fired": runs[-1]["fired"],
        "waiting_after": runs[-1]["waiting_after"],
    }


def _templates(session: Session) -> tuple[list[Template], list[Template]]:
    """The real applications: those due at MOMENT, and those not yet due."""
    cast = data.register_cinema(session, REGISTERED)
    kinds = ["refund", "backfill"]

    def submit(moments: list[datetime]) -> list[Template]:
        return [
            data.submit_template(session, cast, kinds[i % 2], moment)
            for i, moment in enumerate(moments)
        ]

    due, waiting = submit(DUE_SUBMITTED), submit(WAITING_SUBMITTED)
    if any(t.due_at > MOMENT for t in due) or any(t.due_at <= MOMENT for t in waiting):
        raise BenchFailure("the real applications' deadlines do not fall where expected")
    return due, waiting


def _run(app: Flask, args: argparse.Namespace, *, profile: Path | None = None) -> dict[str, Any]:
    """One tick at MOMENT, checked before and after."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("VACUUM ANALYZE"))
        before = data.count_waiting(db.session, MOMENT)
        if (before.waiting, before.due) != (args.timers, args.due):
            raise BenchFailure(f"before the tick: {before}")
    load = os.getloadavg()[0]
    with app.app_context(), at(MOMENT):
        profiler = cProfile.Profile() if profile else None
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(str(args[2]))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = TimerService(db.session, processes.platform).fire_due()
        if profiler:
            profiler.disable()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.close()
        sa.event.remove(db.engine, "before_cursor_execute", record)
    if profiler and profile:
        profile.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(profile))
        kinds = Counter(" ".join(statement.split())[:160] for statement in statements)
        profile.with_suffix(".sql.txt").write_text(
            "".join(f"{n:6d}  {kind}\n" for kind, n in kinds.most_common()), encoding="utf-8"
        )
    with app.app_context():
        after = data.count_waiting(db.session, MOMENT)
    expected = args.timers - args.due
    escalated = after.escalated - before.escalated
    if (result.fired, result.failed, after.waiting, after.due, escalated) != (
        args.due,
        0,
        expected,
        0,
        args.due,
    ):
        raise BenchFailure(f"the tick gave {result}, left {after} ({escalated} escalated)")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load_before": load,
        "statements": len(statements),
        "fired": result.fired,
        "waiting_after": after.waiting,
    }


def _open_tasks_plan(app: Flask) -> str:
    """How the database finds an application's open tasks (twice per timer fired).

    SQLite has no statistics unless ANALYZE runs, and then picks between the
    index on ``application_id`` and the inbox index on ``state`` by the order
    the migration happened to create them; the second reads every open task.
    """
    query = "SELECT id FROM tasks WHERE application_id = {0} AND state = {0} ORDER BY created_at"
    with app.app_context():
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + query.format("?"), ("0" * 32, "open")
            ).all()
            plan = "; ".join(str(row[-1]) for row in rows)
        else:
            rows = connection.exec_driver_sql(
                "EXPLAIN " + query.format("%s"), (str(uuid.UUID(int=0)), "open")
            ).all()
            scans = [str(row[0]).split("(cost=")[0].strip(" ->") for row in rows]
            plan = "; ".join(scan for scan in scans if "Scan" in scan)
        db.session.rollback()
    return plan


def _server_version(app: Flask) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return "PostgreSQL " + str(db.session.scalar(sa.text("SHOW server_version")))
        return f"SQLite {sqlite3.sqlite_version}"


def _print(report: dict[str, Any]) -> None:
    print(f"\n{report['question']}, median of {report['runs']} runs")
    for backend, result in report["results"].items():
        print(
            f"  {backend:<10} {result['median_seconds']:7.2f} s per tick  "
            f"{result['ms_per_timer']:6.2f} ms per timer  "
            f"{result['timers_per_second']:6.1f} timers/s  "
            f"{result['median_cpu_seconds']:6.2f} s CPU in the tick's process  "
            f"{result['statements_per_timer']:.1f} statements per timer"
        )
        runs = ", ".join(f"{s:.2f}" for s in result["runs_seconds"])
        print(f"  {'':<10} runs {runs} s; {result['server']}")
        print(f"  {'':<10} open tasks of an application: {result['open_tasks_lookup']}")


if __name__ == "__main__":
    sys.exit(main())
