"""Approving a cinema registration through the API, at national scale, beside
SpiffWorkflow alone doing the same step.

    .venv/bin/python -m bench.completions.run --reuse bench_scale   # a kept scale database
    .venv/bin/python -m bench.completions.run --applications 20000 --open-tasks 2000 --escalated 200
    make bench-completions

On a scale database (:mod:`bench.scale.generate`: reused with ``--reuse``,
else generated and dropped), a provincial reviewer approves open cinema
registrations of its province (the province with the most left, never Hunan,
whose lists the list benchmark measures) (copies of a real one, each with task ids of its own)
with ``POST /api/v1/tasks/{id}/complete`` ``{"data": {"decision":
"approve"}}``, against gunicorn with the project's settings (see
:mod:`bench.server`): first one client, one completion after the other
(``--completions``), then ``--clients`` clients at once, each with as many.
Each approval locks the application, loads its workflow state, completes
the review, runs the service tasks (the cinema code, the digital
certificate from the CA), saves the state and its tasks and answers the
application. The key pool is filled first (one key generated, stored again
as often as needed), as the tick keeps it filled in production.

Besides: the SQL statements of one completion, counted in-process with the
same portal and a SQLAlchemy event; and the reference, SpiffWorkflow alone
in this process: the same workflow state loaded with the definition's
compiled spec, the review completed with the same data, the service tasks
run (answered by stubs: no database) and the state serialised, ``--reference``
times, median. Every answer must be 200 with status ``approved``, and the
database must afterwards show every task completed and every application
approved.

Prints a report and writes it as JSON to ``bench/results/completions.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
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
from bench.scale.template import PASSWORD
from bench.server import (
    api_client,
    app_config,
    count_statements,
    environment,
    gunicorn,
    gunicorn_workers,
    latencies,
)
from portal import create_app
from portal.applications.definitions import model_of
from portal.applications.models import Task
from portal.core.extensions import db, keys
from portal.issuance.key_pool import KeyPool
from workflows.instance import ProcessInstance
from workflows.sandbox.engine import SandboxEnvironment, SandboxScriptEngine

APPROVE = {"decision": "approve", "comment": "材料齐全，同意注册"}
STUB_RESULTS = {"assign_cinema_code": "43000001", "issue_digital_certificate": "SZZS2026000001"}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    measure = partial(measure_on_scale, args, _measure, "bench-completions-")
    return run_benchmark(measure, args.output, _print)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = scale_benchmark_parser("python -m bench.completions.run", __doc__, "completions.json")
    parser.add_argument("--completions", type=int, default=100, help="per client and run")
    parser.add_argument("--clients", type=int, default=4, help="clients of the concurrent run")
    parser.add_argument("--reference", type=int, default=200, help="SpiffWorkflow-alone runs")
    args = parse_scale_arguments(parser, argv)
    if min(args.completions, args.clients, args.reference) < 1:
        parser.error("--completions, --clients and --reference must be at least 1")
    return args


def _measure(
    url: str, info: dict[str, Any], folder: str, args: argparse.Namespace
) -> dict[str, Any]:
    env = environment(url, folder)
    workers = gunicorn_workers()
    needed = 2 + workers + args.completions * (1 + args.clients)
    reviewer, tasks = _open_tasks(url, needed)
    app = create_app(app_config(env))
    try:
        _fill_key_pool(app, needed)
        reference = _reference(app, tasks[0], args.reference)
        statements = _statements(app, reviewer, tasks[0], tasks[1])
    finally:
        with app.app_context():
            db.engine.dispose()
    pending = tasks[2:]
    print("serving the portal with gunicorn ...", flush=True)
    with gunicorn(env) as server:
        client = api_client(server.base, reviewer, PASSWORD)
        token = str(client.headers["Authorization"])
        _run(server.base, token, [pending.pop() for _ in range(workers)], 1)  # warm-up
        load = os.getloadavg()[0]
        single = _run(server.base, token, [pending.pop() for _ in range(args.completions)], 1)
        many = _run(
            server.base,
            token,
            [pending.pop() for _ in range(args.completions * args.clients)],
            args.clients,
        )
    left = set(pending)
    done = [task for task in tasks if task not in left]
    _check_done(url, done)
    return {
        "benchmark": "completions",
        "question": "approve a cinema registration through the API, 1 and "
        f"{args.clients} clients, beside SpiffWorkflow alone",
        "scale": {key: info.get(key) for key in ("applications", "tasks", "open_tasks", "size")},
        "machine": machine("SpiffWorkflow", "SQLAlchemy", "Flask", "gunicorn"),
        "gunicorn": {"workers": server.workers, "threads": server.threads},
        "load_before": round(load, 2),
        "one_client": single,
        "clients": {"clients": args.clients, **many},
        "statements_per_completion": statements,
        "reference": reference,
        "reviewer": reviewer,
        "completed_and_checked": len(done),
    }


def _open_tasks(url: str, count: int) -> tuple[str, list[uuid.UUID]]:
    """The reviewer of the province with the most open reviews left, Hunan aside (the
    list benchmark counts Hunan's), and ``count`` of those reviews: not escalated,
    not claimed, of generated copies."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            scope, left = connection.execute(
                sa.text(
                    "SELECT scope, count(*) FROM tasks WHERE state = 'open' "
                    "AND role = 'provincial_reviewer' AND scope <> '43' "
                    "AND escalated_at IS NULL AND assignee_id IS NULL "
                    "GROUP BY scope ORDER BY count(*) DESC, scope LIMIT 1"
                )
            ).one()
            found = (
                connection.execute(
                    sa.text(
                        "SELECT id FROM tasks WHERE state = 'open' "
                        "AND role = 'provincial_reviewer' AND scope = :scope "
                        "AND escalated_at IS NULL AND assignee_id IS NULL "
                        "ORDER BY id LIMIT :count"
                    ),
                    {"scope": scope, "count": count},
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    if len(found) < count:
        raise BenchFailure(
            f"{left} open reviews left in the best province, {count} needed: "
            "generate a new database"
        )
    return f"bench_province_{scope}", list(found)


def _fill_key_pool(app: Any, count: int) -> None:
    """At least ``count`` key pairs in the pool: one generated, stored again as needed."""
    with app.app_context():
        pool = KeyPool(db.session, keys.store)
        pool.add(1)
        db.session.execute(
            sa.text(
                "INSERT INTO key_pool (private_key, public_key, created_at) "
                "SELECT private_key, public_key, created_at FROM key_pool, "
                "generate_series(1, :count) LIMIT :count"
            ),
            {"count": count},
        )
        db.session.commit()


def _reference(app: Any, task_id: uuid.UUID, runs: int) -> dict[str, Any]:
    """SpiffWorkflow alone: load, complete the review, run the steps, serialise."""
    with app.app_context():
        task = db.session.get(Task, task_id)
        if task is None:
            raise BenchFailure(f"task {task_id} is gone")
        model, state = model_of(task.application.definition), task.application.workflow_state
        db.session.rollback()
    engine = SandboxScriptEngine(
        SandboxEnvironment(service_caller=lambda operation, params, data: STUB_RESULTS[operation])
    )
    seconds = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        instance = ProcessInstance.load(model, state, engine)
        instance.complete(task_id, APPROVE)
        dumped = instance.dump()
        seconds.append(time.perf_counter() - started)
        if not instance.is_completed or instance.end_status != "approved":
            raise BenchFailure("SpiffWorkflow alone did not end the registration approved")
    seconds = seconds[1:]
    return {
        "runs": runs,
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "state_bytes": len(dumped.encode()),
    }


def _statements(app: Any, reviewer: str, warm_up: uuid.UUID, counted: uuid.UUID) -> int:
    """Statements of one completion through the API, in-process (after one uncounted)."""
    client = app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"username": reviewer, "password": PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        engine = db.engine
    ids = iter([warm_up, counted])
    return count_statements(
        engine,
        lambda: client.post(
            f"/api/v1/tasks/{next(ids)}/complete", json={"data": APPROVE}, headers=headers
        ),
    )


def _run(base: str, token: str, tasks: list[uuid.UUID], clients: int) -> dict[str, Any]:
    """Complete ``tasks`` with ``clients`` threads taking them in turn: the figures."""
    lock = threading.Lock()
    seconds: list[float] = []
    failures: list[str] = []

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = token
        while True:
            with lock:
                if not tasks or failures:
                    return
                task_id = tasks.pop()
            begun = time.perf_counter()
            answer = session.post(
                f"{base}/api/v1/tasks/{task_id}/complete", json={"data": APPROVE}, timeout=120
            )
            elapsed = time.perf_counter() - begun
            with lock:
                if answer.status_code != 200 or answer.json().get("status") != "approved":  # noqa: PLR2004
                    failures.append(f"{task_id}: {answer.status_code} {answer.text[:300]}")
                seconds.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise BenchFailure(f"a completion failed: {failures[0]}")
    return {
        "completions": len(seconds),
        "seconds": round(wall, 2),
        "per_second": round(len(seconds) / wall, 1),
        **latencies(seconds),
    }


def _check_done(url: str, tasks: list[uuid.UUID]) -> None:
    """Every task completed, every application approved."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT count(*) FILTER (WHERE t.state = 'completed'), "
                    "count(*) FILTER (WHERE a.status = 'approved') "
                    "FROM tasks t JOIN applications a ON a.id = t.application_id "
                    "WHERE t.id = ANY(:ids)"
                ),
                {"ids": tasks},
            ).one()
    finally:
        engine.dispose()
    if tuple(row) != (len(tasks), len(tasks)):
        raise BenchFailure(f"of {len(tasks)} tasks {row[0]} completed, {row[1]} approved")


def _print(report: dict[str, Any]) -> None:
    one, many, ref = report["one_client"], report["clients"], report["reference"]
    print(f"\n{report['question']} ({report['scale']['applications']:,} applications)")
    print(
        f"  1 client   p50 {one['p50_ms']:7.1f} ms  p95 {one['p95_ms']:7.1f} ms  "
        f"{one['per_second']:6.1f} completions/s  ({one['completions']} completions)"
    )
    print(
        f"  {many['clients']} clients  p50 {many['p50_ms']:7.1f} ms  p95 {many['p95_ms']:7.1f} ms  "
        f"{many['per_second']:6.1f} completions/s  ({many['completions']} completions)  "
        "[target >= 100/s]"
    )
    print(f"  {report['statements_per_completion']} SQL statements per completion  [target <= 12]")
    print(
        f"  reference: SpiffWorkflow alone {ref['median_ms']:.2f} ms "
        f"(load + complete + steps + serialise, median of {ref['runs']})"
    )


if __name__ == "__main__":
    sys.exit(main())
