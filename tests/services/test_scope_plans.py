"""Who sees what, at scale: the reach table gives the same answers as the task
rows, is kept by the runtime and the escalation block, and PostgreSQL answers
the reviewers' lists and inboxes through indexes (EXPLAIN)."""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.applications.access import (
    application_filter,
    supervision_filter,
    task_filter,
    visible_newest_first,
)
from portal.applications.models import (
    Application,
    ApplicationReach,
    ApplicationStatus,
    ProcessDefinition,
    Task,
    TaskState,
)
from portal.applications.reach import backfill_reach, desks, record_reach
from portal.applications.services import ApplicationService
from portal.core.actor import Actor
from portal.core.extensions import processes
from portal.core.migrations import downgrade, upgrade
from portal.documents.services import DocumentService
from tests.databases import scratch_database
from tests.helpers import Factory, cinema_data, minimal_pdf

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DIVISIONS = ["430102", "430103", "430202", "440103", "110101", None]
"""Two Changsha districts, Zhuzhou, Guangzhou, Beijing, and no division at all."""
ROLES = [Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCIAL_REVIEWER, Role.NATIONAL_REVIEWER]
ACTORS = [
    (Role.COUNTY_REVIEWER, "430102"),
    (Role.COUNTY_REVIEWER, "430202"),
    (Role.CITY_REVIEWER, "4301"),
    (Role.CITY_REVIEWER, "4401"),
    (Role.PROVINCIAL_REVIEWER, "43"),
    (Role.PROVINCIAL_REVIEWER, "11"),
    (Role.NATIONAL_REVIEWER, ""),
    (Role.TESTING_INSTITUTE, ""),
]


def actor(role: Role, scope: str, organization_id: int | None = None) -> Actor:
    return Actor(
        user_id=0, username="r", name="r", role=role, scope=scope, organization_id=organization_id
    )


def by_tasks(actor: Actor) -> sa.ColumnElement[bool]:
    """The rule as it was before the reach table: an EXISTS over the task rows."""
    return sa.exists().where(
        Task.application_id == Application.id,
        sa.or_(task_filter(actor), supervision_filter(actor)),
    )


def seed_tasks(session: Session, organization_id: int, user_id: int) -> list[Application]:
    """Applications of every division with tasks of every role, some escalated,
    written as rows (like the benchmark generator), without reach rows."""
    definition_id = session.scalar(sa.select(ProcessDefinition.id).limit(1))
    applications, tasks = [], []
    for i in range(36):
        division = DIVISIONS[i % len(DIVISIONS)]
        application = {
            "id": uuid.uuid4(),
            "definition_id": definition_id,
            "process_key": "seeded",
            "organization_id": organization_id,
            "created_by_id": user_id,
            "status": ApplicationStatus.SUBMITTED,
            "data": {},
            "result": {},
            "division_code": division,
            "workflow_state": "{}",
            "created_at": T0 + timedelta(minutes=i),
            "updated_at": T0,
        }
        applications.append(application)
        role = ROLES[i % len(ROLES)] if i % 7 else Role.APPLICANT
        digits = role.scope_digits
        tasks.append(
            {
                "id": uuid.uuid4(),
                "application_id": application["id"],
                "spec_id": "review",
                "name": "Review",
                "form_key": "review",
                "role": role,
                "scope": (division or "")[:digits] if digits else "",
                "organization_id": organization_id if digits is None else None,
                "state": TaskState.OPEN if i % 3 else TaskState.COMPLETED,
                "created_at": T0,
                "escalated_at": T0 if i % 5 == 0 else None,
            }
        )
    session.execute(sa.insert(Application), applications)
    session.execute(sa.insert(Task), tasks)
    session.flush()
    return list(session.scalars(sa.select(Application).where(Application.process_key == "seeded")))


def reach_rows(session: Session) -> set[tuple[Any, ...]]:
    rows = session.execute(
        sa.select(
            ApplicationReach.application_id,
            ApplicationReach.role,
            ApplicationReach.scope_prefix,
            ApplicationReach.created_at,
        )
    )
    return {tuple(row) for row in rows}


@pytest.fixture
def seeded(session: Session, factory: Factory) -> list[Application]:
    user = factory.applicant()
    assert user.organization_id is not None
    return seed_tasks(session, user.organization_id, user.id)


def test_the_reach_table_answers_what_the_task_rows_answer(
    session: Session, seeded: list[Application]
) -> None:
    assert backfill_reach(session.connection()) > 0
    for role, scope in ACTORS:
        reviewer = actor(role, scope)
        expected = set(session.scalars(sa.select(Application.id).where(by_tasks(reviewer))))
        seen = set(session.scalars(sa.select(Application.id).where(application_filter(reviewer))))
        assert seen == expected, (role, scope)
        query, keys = visible_newest_first(reviewer, sa.select(Application.id))
        listed = list(session.scalars(query.order_by(*(key.desc() for key in keys))))
        newest_first = session.scalars(
            sa.select(Application.id)
            .where(Application.id.in_(expected))
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
        assert listed == list(newest_first), (role, scope)


def test_recording_reach_task_by_task_matches_the_backfill(
    session: Session, seeded: list[Application]
) -> None:
    for application in seeded:
        tasks = session.scalars(sa.select(Task).where(Task.application_id == application.id))
        record_reach(session, application, list(tasks))
    recorded = reach_rows(session)
    assert backfill_reach(session.connection()) == 0  # nothing the runtime missed
    for application in seeded[:5]:  # twice is harmless
        record_reach(session, application, application.tasks)
    assert reach_rows(session) == recorded
    national = [(a, r, p) for a, r, p, _ in recorded if (r, p) == (Role.NATIONAL_REVIEWER, "")]
    escalated = session.scalars(
        sa.select(Task.application_id).where(Task.escalated_at.is_not(None))
    ).all()
    assert {a for a, _, _ in national} >= set(escalated)


def test_a_task_reaches_every_scope_above_it() -> None:
    task = Task(role=Role.COUNTY_REVIEWER, scope="430102", escalated_at=None)
    assert desks(task) == {
        (Role.COUNTY_REVIEWER, ""),
        (Role.COUNTY_REVIEWER, "43"),
        (Role.COUNTY_REVIEWER, "4301"),
        (Role.COUNTY_REVIEWER, "430102"),
    }
    escalated = Task(role=Role.PROVINCIAL_REVIEWER, scope="43", escalated_at=T0)
    assert desks(escalated) == {
        (Role.PROVINCIAL_REVIEWER, ""),
        (Role.PROVINCIAL_REVIEWER, "43"),
        (Role.NATIONAL_REVIEWER, ""),
    }
    assert desks(Task(role=Role.APPLICANT, scope="", escalated_at=None)) == set()


def test_the_runtime_records_the_desks_of_the_tasks_it_opens(
    session: Session, factory: Factory
) -> None:
    applicant = Actor.of(factory.applicant())
    service = ApplicationService(session, processes.platform)
    application = service.create(applicant, "cinema_registration", cinema_data())
    for slot in ("business_licence", "screening_licence"):
        DocumentService(session, processes.platform).upload_to_application(
            applicant,
            application.id,
            slot_key=slot,
            filename=f"{slot}.pdf",
            declared_type="application/pdf",
            stream=io.BytesIO(minimal_pdf()),
        )
    service.submit(applicant, application.id)
    tasks = session.scalars(sa.select(Task).where(Task.application_id == application.id)).all()
    expected = set().union(*(desks(task) for task in tasks))
    assert expected  # a reviewer's task opened
    recorded = {(role, prefix) for _, role, prefix, _ in reach_rows(session)}
    assert recorded == expected
    (created,) = {created for *_, created in reach_rows(session)}
    assert created == application.created_at
    hunan = actor(Role.PROVINCIAL_REVIEWER, "43")
    assert [a.id for a in service.list(hunan).items] == [application.id]
    assert service.list(actor(Role.PROVINCIAL_REVIEWER, "44")).items == []


# PostgreSQL plans ------------------------------------------------------------

PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
)
FILL = [
    """INSERT INTO applications (id, definition_id, process_key, organization_id, created_by_id,
           status, data, result, division_code, workflow_state, row_version, created_at, updated_at)
       SELECT md5('a' || g)::uuid, :definition, 'seeded', :organization, :user, 'approved',
              '{}', '{}',
              p.code || lpad((g % 13 + 1)::text, 2, '0') || lpad((g % 7 + 1)::text, 2, '0'),
              '{}', 1, timestamptz '2020-01-01' + g * interval '1 minute', now()
       FROM generate_series(1, :count) AS g
       JOIN (SELECT code, ordinality - 1 AS i
             FROM unnest(string_to_array(:provinces, ' ')) WITH ORDINALITY AS p(code)) AS p
         ON p.i = g % 31""",
    """INSERT INTO tasks (id, application_id, spec_id, name, form_key, role, scope,
           organization_id, state, created_at, due_provisional)
       SELECT md5(k || a.id::text)::uuid, a.id, 's' || k, 'T', 'f',
              (ARRAY['applicant', 'provincial_reviewer', 'county_reviewer'])[k + 1],
              CASE k WHEN 0 THEN '' WHEN 1 THEN left(a.division_code, 2) ELSE a.division_code END,
              CASE k WHEN 0 THEN a.organization_id END,
              CASE WHEN k = 1 AND get_byte(uuid_send(a.id), 0) < 16 THEN 'open'
                   ELSE 'completed' END,
              a.created_at, false
       FROM applications AS a CROSS JOIN generate_series(0, 2) AS k""",
]


def plan(connection: sa.Connection, query: sa.Select[Any]) -> dict[str, Any]:
    """The plan PostgreSQL chooses for ``query`` (with its parameters' values)."""
    compiled = query.compile(dialect=connection.dialect)
    params = {k: getattr(v, "value", v) for k, v in compiled.construct_params().items()}
    explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params).scalar()
    return (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def scans(node: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(node type, relation, index) of every scan in the plan (a bitmap index
    scan names its index only)."""
    return {
        (n["Node Type"], n.get("Relation Name", ""), n.get("Index Name", ""))
        for n in nodes(node)
        if "Relation Name" in n or "Index Name" in n
    }


@pytest.fixture
def scale(session: Session, factory: Factory) -> Iterator[sa.Connection]:
    """5,000 applications in 31 provinces, 15,000 tasks, their reach, analysed:
    enough for PostgreSQL to prefer the indexes, and a few seconds to write."""
    user = factory.applicant()
    connection = session.connection()
    values = {
        "definition": session.scalar(sa.select(ProcessDefinition.id).limit(1)),
        "organization": user.organization_id,
        "user": user.id,
        "count": 5_000,
        "provinces": PROVINCES,
    }
    for statement in FILL:
        connection.execute(sa.text(statement), values)
    backfill_reach(connection)
    for table in ("applications", "tasks", "application_reach"):
        connection.exec_driver_sql(f"ANALYZE {table}")
    yield connection


@pytest.mark.postgres
def test_a_provincial_list_is_read_through_the_reach_index(scale: sa.Connection) -> None:
    hunan = actor(Role.PROVINCIAL_REVIEWER, "43")
    query, keys = visible_newest_first(hunan, sa.select(Application))
    listed = plan(scale, query.order_by(*(key.desc() for key in keys)).limit(50))
    assert scans(listed) == {
        ("Index Only Scan", "application_reach", "ix_application_reach_desk"),
        ("Index Scan", "applications", "pk_applications"),
    }
    assert not any(n["Node Type"] == "Sort" for n in nodes(listed))  # the index is the order

    # The filter alone (one application's check, other lists) reads the reach
    # index too, never the task rows; ordered by the application's columns it
    # sorts the desk's rows (here PostgreSQL reads the small applications table).
    by_filter = (
        sa.select(Application)
        .where(application_filter(hunan))
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(50)
    )
    used = scans(plan(scale, by_filter))
    assert any(index == "ix_application_reach_desk" for _, _, index in used), used
    assert not any(relation == "tasks" for _, relation, _ in used), used
    one = sa.select(Application).where(Application.id == uuid.uuid4(), application_filter(hunan))
    assert scans(plan(scale, one)) == {
        ("Index Scan", "applications", "pk_applications"),
        ("Index Only Scan", "application_reach", "pk_application_reach"),
    }


@pytest.mark.postgres
def test_a_provincial_inbox_is_read_through_the_scope_index(scale: sa.Connection) -> None:
    inbox = (
        sa.select(Task)
        .where(Task.state == TaskState.OPEN, task_filter(actor(Role.PROVINCIAL_REVIEWER, "43")))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.created_at.desc())
        .limit(50)
    )
    found = plan(scale, inbox)
    used = scans(found)
    assert used == {("Index Scan", "tasks", "ix_tasks_inbox")}, used
    (scan,) = (n for n in nodes(found) if n.get("Index Name") == "ix_tasks_inbox")
    assert "~>=~ '43'" in scan["Index Cond"]  # the prefix is a range of the index


# The migration -------------------------------------------------------------


@pytest.fixture
def scratch_engine(tmp_path: Path, testrun_uid: str) -> Iterator[Engine]:
    """An empty database of the backend under test, dropped afterwards."""
    with scratch_database(PG_URL, tmp_path, testrun_uid, "reach") as engine:
        yield engine


def test_the_migration_backfills_existing_tasks_and_goes_back(scratch_engine: Engine) -> None:
    upgrade(scratch_engine, "0009")
    with scratch_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organizations (id, name, uscc, org_type, created_at) "
                "VALUES (1, 'Org', '91430000000000000X', 'cinema', :t)"
            ),
            {"t": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, display_name, role, scope, "
                "active, created_at, organization_id, session_epoch) "
                "VALUES (1, 'u', 'x', 'U', 'applicant', '', true, :t, 1, 0)"
            ),
            {"t": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO process_definitions (id, key, version, name, content_hash, "
                "bpmn_xml, forms, spec, meta, created_at) "
                "VALUES (1, 'p', 1, 'P', 'h', '', '{}', '', '{}', :t)"
            ),
            {"t": T0},
        )
    with Session(scratch_engine) as session, session.begin():
        seed_tasks(session, 1, 1)
    upgrade(scratch_engine)
    with Session(scratch_engine) as session:
        migrated = reach_rows(session)
        assert migrated
        session.execute(sa.delete(ApplicationReach))
        backfill_reach(session.connection())
        assert reach_rows(session) == migrated  # the migration's copy of the rule agrees
        session.rollback()
    downgrade(scratch_engine, "0009")
    assert "application_reach" not in sa.inspect(scratch_engine).get_table_names()
    upgrade(scratch_engine)
