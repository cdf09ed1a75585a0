"""A national-scale database: a million cinema registrations across 31 provinces.

    .venv/bin/python -m bench.scale.generate --keep                  # 1,000,000, kept
    .venv/bin/python -m bench.scale.generate --applications 20000 --open-tasks 1000 --keep
    make bench-scale

On PostgreSQL only (the questions it serves are PostgreSQL's plans). A scratch
database (``--name``, default ``bench_scale``) is created and migrated; the
portal built on it publishes the real cinema_registration package as it does
at every start-up, so the definition, its forms and its spec are real. Then:

1. **Real applications** (:mod:`bench.scale.template`): a cinema, the reviewers
   the benchmarks sign in as, and three cinema registrations made through the
   services: one left with its provincial review open, one approved, one
   returned, resubmitted and approved.
2. **Organisations** (``--organisations``, cinemas with USCC-like codes: "91",
   their county's GB/T 2260 code, a serial and a check character), round-robin
   over the 31 mainland provinces, each in one of its province's counties;
   one applicant user each; one provincial reviewer per province.
3. **Applications** (``--applications``), each an organisation's, all
   ``INSERT ... SELECT`` from a plan table: the newest ``--open-tasks`` are
   copies of the open template (their provincial review open, the oldest
   ``--escalated`` of them overdue and escalated 督办), the rest copies of the
   approved or (``--corrected`` of them) the corrected template. Each copy
   gets task ids of its own, in its workflow state and its rows (see
   :mod:`bench.scale.sql`), so any open copy can be completed for real.
   Spread over three years, the newest a week old.
4. **Tasks** and **history** (``audit_events``): the template's rows for every
   copy (2 tasks per approved or open copy, 4 per corrected one; 4 to 9
   history entries).
5. The per-application scope table (``backfill_reach``), then ``VACUUM
   ANALYZE`` (what autovacuum would have done by then).

The copies are inserted with the foreign-key triggers off and the
secondary indexes dropped and rebuilt afterwards, by ``--jobs`` connections
at once (see ``bench/README.md``).

Counts are checked at the end. Prints the time of every step and the
database's size; writes ``bench/results/scale.json``. The database is dropped
at the end unless ``--keep``; the list and completion benchmarks reuse a kept
one (``--reuse NAME``). Documents, certificates, cinemas and messages are
made for the three real applications only: the lists read none of them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.machine import BenchFailure, machine, save_report
from bench.scale import sql
from bench.scale.template import Template, create_cast, make_templates
from bench.scratch import DEFAULT_SERVER, migrate
from bench.server import app_config, environment
from forms.divisions import counties, provinces
from portal import create_app
from portal.applications.reach import backfill_reach
from portal.core.db import create_db_engine
from portal.core.extensions import db
from tests.databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]
DATABASE_NAME = "bench_scale"
NOT_MAINLAND = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: no portal reviewers
INFO_TABLE = "bench_scale_info"
PROVINCES = 31


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.if_missing:
        try:
            info = read_info(_url(args.server, args.name))
        except BenchFailure:
            pass
        else:
            print(f"{args.name} was generated before: {info['applications']:,} applications")
            return 0
    try:
        with scale_database(args, keep=args.keep) as (url, info):
            print(f"database {url.rsplit('/', 1)[1]} ready: {info['size']}")
    except BenchFailure as exc:
        print(f"generation failed: {exc}", file=sys.stderr)
        return 1
    return 0


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """The generator's options, shared by the benchmarks that generate when not reusing."""
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_SERVER),
        help="PostgreSQL server URL (env BENCH_PG_URL)",
    )
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--open-tasks", type=int, default=50_000, help="open provincial reviews")
    parser.add_argument("--escalated", type=int, default=5_000, help="of which overdue, escalated")
    parser.add_argument("--organisations", type=int, default=3_000)
    parser.add_argument(
        "--corrected", type=float, default=0.55, help="share of closed ones returned once"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="connections inserting at once (default: the cores)",
    )
    parser.add_argument("--name", default=DATABASE_NAME, help="the database to create")
    parser.add_argument(
        "--reuse",
        metavar="NAME",
        help="use this database, made before with --keep, instead of generating one",
    )


def scale_benchmark_parser(
    prog: str, description: str | None, output: str
) -> argparse.ArgumentParser:
    """The parser of a benchmark measured on a scale database: the generator's
    options, ``--keep`` and ``--output`` (default ``bench/results/<output>``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_scale_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep a generated database")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / output)
    return parser


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale.generate", description=__doc__)
    add_scale_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep the database (to --reuse it)")
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when --name already holds a finished generation",
    )
    parser.add_argument(
        "--output",
        dest="scale_output",
        type=Path,
        default=ROOT / "bench" / "results" / "scale.json",
    )
    return parse_scale_arguments(parser, argv)


def parse_scale_arguments(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> argparse.Namespace:
    """``argv`` parsed by ``parser``, the generator's options checked."""
    args = parser.parse_args(argv)
    _check_scale_arguments(parser, args)
    return args


def _check_scale_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 0 <= args.escalated <= args.open_tasks <= args.applications:
        parser.error("need 0 <= --escalated <= --open-tasks <= --applications")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.organisations < PROVINCES or not 0 <= args.corrected <= 1:
        parser.error("--organisations at least 31 (one per province), --corrected from 0 to 1")


@contextmanager
def scale_database(args: argparse.Namespace, *, keep: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    """A generated database and what the generator recorded in it; yields (URL, info).

    With ``args.reuse`` the named database is used (never dropped), brought up
    to the newest migration first; otherwise one is generated (``args.name``)
    and dropped on leaving unless ``keep``.
    """
    if args.reuse:
        url = _url(args.server, args.reuse)
        info = read_info(url)
        migrate(url)  # migrations added since it was generated, as a deployment would
        yield url, info
        return
    url = create_database(args.server, args.name)
    try:
        info = _generate(url, args)
        save_report(info, getattr(args, "scale_output", None) or ROOT / "bench/results/scale.json")
        _print(info)
        yield url, info
    finally:
        if not keep:
            drop_database(args.server, args.name)


def measure_on_scale(
    args: argparse.Namespace,
    measure: Callable[[str, dict[str, Any], str, argparse.Namespace], dict[str, Any]],
    prefix: str,
) -> dict[str, Any]:
    """``measure(url, info, folder, args)`` on the scale database of ``args``
    (:func:`scale_database`, kept with ``args.keep``), ``folder`` a temporary
    folder named with ``prefix`` for the portal's keys and files."""
    with (
        scale_database(args, keep=args.keep) as (url, info),
        tempfile.TemporaryDirectory(prefix=prefix) as folder,
    ):
        return measure(url, info, folder, args)


def read_info(url: str) -> dict[str, Any]:
    """What the generator recorded in the database at ``url``.

    :raise BenchFailure: no such database, or not one the generator finished.
    """
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.text(f"SELECT info FROM {INFO_TABLE}")  # noqa: S608 - a constant
            return dict(connection.execute(query).scalar_one())
    except sa.exc.SQLAlchemyError as exc:
        raise BenchFailure(
            f"{url.rsplit('/', 1)[1]} is not a finished scale database "
            "(make one with python -m bench.scale.generate --keep)"
        ) from exc
    finally:
        engine.dispose()


def _url(server: str, name: str) -> str:
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def _generate(url: str, args: argparse.Namespace) -> dict[str, Any]:
    steps: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - since, 1)
        print(f"  {name:<28} {steps[name]:7.1f} s", flush=True)
        return now

    print(f"generating {args.applications:,} applications in {url.rsplit('/', 1)[1]} ...")
    migrate(url)
    mark = step("migrate", started)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        app = create_app(app_config(environment(url, folder)))
        with app.app_context():
            cast = create_cast(db.session)
            templates = make_templates(db.session, cast)
            db.session.commit()
            db.engine.dispose()
    mark = step("real applications", mark)
    engine = create_db_engine(url)
    try:
        mark = _bulk(engine, args, templates, applicant_id=cast.applicant_id, step=step, mark=mark)
        reach = _backfill_reach(engine)
        mark = step("backfill_reach", mark)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        mark = step("vacuum analyze", mark)
        info = _info(
            engine, args, templates, steps=steps, seconds=time.perf_counter() - started, reach=reach
        )
    finally:
        engine.dispose()
    return info


def _bulk(
    engine: sa.Engine,
    args: argparse.Namespace,
    templates: dict[str, Template],
    *,
    applicant_id: int,
    step: Any,
    mark: float,
) -> float:
    """Every set-based insert: the plan in one transaction, then each table's copies
    by ``args.jobs`` connections at once, then the indexes rebuilt."""
    with engine.begin() as connection:
        _bulk_session(connection)
        indexes = _drop_indexes(connection, ("applications", "tasks", "audit_events"))
        mark = _plan(connection, args, step, mark)
    _parallel(engine, args.jobs, [sql.applications(t) for t in templates.values()])
    mark = step("applications", mark)
    escalated_from = args.open_tasks - args.escalated + 1
    statements = [s for t in templates.values() for s in sql.tasks(t, escalated_from)]
    _parallel(engine, args.jobs, statements)
    mark = step("tasks", mark)
    _parallel(engine, args.jobs, [sql.events(t, applicant_id) for t in templates.values()])
    mark = step("history", mark)
    _parallel(engine, args.jobs, [sa.text(d) for d in indexes], split=False)
    return step(f"{len(indexes)} indexes rebuilt", mark)


def _bulk_session(connection: sa.Connection) -> None:
    connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
    # Like pg_restore --disable-triggers: the rows are consistent by construction,
    # and checking each foreign key row by row would triple the time.
    connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
    connection.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))


def _plan(connection: sa.Connection, args: argparse.Namespace, step: Any, mark: float) -> float:
    """Divisions, organisations, their users and the provincial reviewers; the plan table."""
    codes = [[c.code for c in counties(p.code[:2])] for p in provinces()]
    codes = [c for c in codes if c and c[0][:2] not in NOT_MAINLAND]
    connection.execute(sa.text(sql.DIVISIONS))
    connection.execute(
        sa.text("INSERT INTO bench_divisions VALUES (:province_index, :county_index, :code)"),
        sql.divisions_rows(codes),
    )
    first_org = connection.execute(sa.text("SELECT max(id) + 1 FROM organizations")).scalar_one()
    password_hash = connection.execute(
        sa.text("SELECT password_hash FROM users WHERE username = 'bench_hunan'")
    ).scalar_one()
    connection.execute(sa.text(sql.ORGANIZATIONS), {"usccs": sql.usccs(codes, args.organisations)})
    connection.execute(sa.text(sql.APPLICANTS), {"hash": password_hash, "first_org": first_org})
    connection.execute(sa.text(sql.PROVINCIAL_REVIEWERS), {"hash": password_hash})
    mark = step("organisations and users", mark)
    connection.execute(
        sa.text(sql.PLAN),
        {
            "open_tasks": args.open_tasks,
            "corrected_per_1024": round(args.corrected * 1024),
            "seconds": sql.YEARS * 365 * 86400,
            "applications": args.applications,
            "organisations": args.organisations,
            "first_org": first_org,
        },
    )
    connection.execute(sa.text(sql.PLAN_INDEX))
    connection.execute(sa.text("ANALYZE bench_plan"))
    return step("plan", mark)


def _parallel(
    engine: sa.Engine, jobs: int, statements: list[sa.TextClause], *, split: bool = True
) -> None:
    """Run ``statements`` on ``jobs`` connections at once, each in its own transaction:
    every statement on every connection for its share of the copies (``split``), or
    each statement once, dealt out to the connections.

    :raise BenchFailure: a connection failed (the others finish first).
    """
    failures: list[BaseException] = []

    def work(job: int) -> None:
        try:
            with engine.begin() as connection:
                _bulk_session(connection)
                for statement in statements if split else statements[job::jobs]:
                    connection.execute(statement, {"jobs": jobs, "job": job} if split else {})
        except BaseException as exc:  # reported after every connection has finished
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(job,)) for job in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise BenchFailure(f"a bulk insert failed: {failures[0]}") from failures[0]


def _drop_indexes(connection: sa.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes of ``tables`` that no constraint owns; return their definitions.

    Building an index once over a million rows is several times faster than
    growing it row by row; primary keys and unique constraints stay.
    """
    rows = connection.execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN :tables AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ).bindparams(sa.bindparam("tables", expanding=True)),
        {"tables": list(tables)},
    ).all()
    for name, _ in rows:
        connection.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def _backfill_reach(engine: sa.Engine) -> int:
    """The per-application scope rows ("applications that reached my desk")."""
    with engine.begin() as connection:
        return backfill_reach(connection)


def _info(
    engine: sa.Engine,
    args: argparse.Namespace,
    templates: dict[str, Template],
    *,
    steps: dict[str, float],
    seconds: float,
    reach: int | None,
) -> dict[str, Any]:
    """Count what was made, check it, and record it in the database."""
    count = "SELECT count(*) FROM {}"
    with engine.begin() as connection:

        def scalar(query: str) -> Any:
            return connection.execute(sa.text(query)).scalar_one()

        info: dict[str, Any] = {
            "benchmark": "scale",
            "arguments": {
                key: getattr(args, key)
                for key in ("applications", "open_tasks", "escalated", "organisations", "corrected")
            },
            "machine": machine("SQLAlchemy"),
            "server": "PostgreSQL " + str(scalar("SHOW server_version")),
            "steps_seconds": steps,
            "total_seconds": round(seconds, 1),
            "applications": scalar(count.format("applications")),
            "hunan_applications": scalar(
                "SELECT count(*) FROM applications WHERE division_code LIKE '43%'"
            ),
            "tasks": scalar(count.format("tasks")),
            "open_tasks": scalar("SELECT count(*) FROM tasks WHERE state = 'open'"),
            "hunan_open_tasks": scalar(
                "SELECT count(*) FROM tasks WHERE state = 'open' AND role = 'provincial_reviewer' "
                "AND scope = '43'"
            ),
            "escalated_open_tasks": scalar(
                "SELECT count(*) FROM tasks WHERE state = 'open' AND escalated_at IS NOT NULL"
            ),
            "audit_events": scalar(count.format("audit_events")),
            "organizations": scalar(count.format("organizations")),
            "users": scalar(count.format("users")),
            "reach_rows": reach,
            "open_template": str(templates["open"].application["id"]),
            "size": scalar("SELECT pg_size_pretty(pg_database_size(current_database()))"),
            "size_bytes": scalar("SELECT pg_database_size(current_database())"),
        }
        expected = args.applications + len(templates)
        if info["applications"] != expected or info["open_tasks"] != args.open_tasks + 1:
            raise BenchFailure(
                f"{info['applications']} applications, {info['open_tasks']} open tasks: "
                f"expected {expected} and {args.open_tasks + 1}"
            )
        connection.execute(sa.text("DROP TABLE bench_plan"))
        connection.execute(sa.text(f"CREATE TABLE {INFO_TABLE} (info jsonb NOT NULL)"))
        connection.execute(
            sa.text(f"INSERT INTO {INFO_TABLE} VALUES (CAST(:info AS jsonb))"),  # noqa: S608
            {"info": sql.json.dumps(info, ensure_ascii=False)},
        )
    return info


def _print(info: dict[str, Any]) -> None:
    print(
        f"\n{info['applications']:,} applications ({info['hunan_applications']:,} in Hunan), "
        f"{info['tasks']:,} tasks ({info['open_tasks']:,} open, {info['hunan_open_tasks']:,} "
        f"Hunan provincial, {info['escalated_open_tasks']:,} escalated), "
        f"{info['audit_events']:,} history rows, {info['organizations']:,} organisations"
    )
    print(f"generated in {info['total_seconds']:.0f} s; database {info['size']}")


if __name__ == "__main__":
    sys.exit(main())
