"""The timers benchmark's data: a few real refund applications, then copies of them.

Creating 10,000 applications through the services would take about ten
minutes on a 2-core machine (and one more before every run), so a handful are
created for real, each at its own moment (the clock moved with time-machine):
a cinema is registered and approved, then refund and backfill applications
are created, given their evidence and submitted through
:class:`ApplicationService` and :class:`DocumentService`. Submitting runs the
process to the provincial review and arms its 3-working-day boundary timer,
counted with the working calendar. Each such application is a :class:`Template`.

Copies are made at the database level: the template's ``applications``,
``tasks`` and ``timers`` rows, inserted again with a new application id and
acceptance number. ``tasks.id`` and ``timers.id`` are SpiffWorkflow task ids
and primary keys, so every task id of the template's ``workflow_state`` (the
keys of its ``tasks``) is replaced by a new UUID, in the state's JSON text and
in the rows alike; other text in the state is left alone. A copy therefore
loads, fires and saves exactly as its template would: same process, same data,
same armed timer and due moment, ids of its own. Documents and history rows
are not copied: firing a timer reads neither.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType, Role
from portal.accounts.services import AccountService, Registration
from portal.applications.models import Application, Task, Timer, TimerState
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.cinemas.models import Cinema
from portal.core.actor import Actor
from portal.core.extensions import processes
from portal.core.models import AuditEvent, Counter
from portal.documents.services import DocumentService
from tests.helpers import backfill_data, cinema_data, make_uscc, minimal_pdf, refund_data

CHINA = ZoneInfo("Asia/Shanghai")
BATCH = 1000  # copies inserted per statement batch
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """The clock stands at ``moment`` and runs on from there."""
    with time_machine.travel(moment, tick=True):
        yield


@dataclass(frozen=True)
class Cast:
    applicant: Actor
    reviewer: Actor
    cinema_code: str


def register_cinema(session: Session, moment: datetime) -> Cast:
    """A cinema enterprise and a Hunan reviewer; the cinema registered and approved."""
    password = f"Bench-{secrets.token_urlsafe(16)}-1"  # nobody signs in
    with at(moment):
        accounts = AccountService(session)
        user = accounts.register_enterprise(
            Registration(
                org_name="星光影城有限公司",
                uscc=make_uscc(1),
                org_type=OrgType.CINEMA,
                contact_name="张经理",
                mobile="13800138000",
                username="bench_cinema",
                password=password,
            )
        )
        applicant = Actor.of(user)
        reviewer = Actor.of(
            accounts.create_user("bench_hunan", password, role=Role.PROVINCIAL_REVIEWER, scope="43")
        )
        applications = ApplicationService(session, processes.platform)
        application = applications.create(applicant, "cinema_registration", cinema_data())
        for slot in ("business_licence", "screening_licence"):
            _upload(session, applicant, application.id, slot)
        applications.submit(applicant, application.id)
        tasks = TaskService(session, processes.platform)
        (task,) = [t for t in tasks.inbox(reviewer) if t.application_id == application.id]
        tasks.complete(reviewer, task.id, {"decision": "approve", "comment": ""})
        code = session.scalar(sa.select(Cinema.code).where(Cinema.application_id == application.id))
    assert code is not None
    return Cast(applicant=applicant, reviewer=reviewer, cinema_code=code)


def _upload(session: Session, actor: Actor, application_id: uuid.UUID, slot: str) -> None:
    DocumentService(session, processes.platform).upload_to_application(
        actor,
        application_id,
        slot_key=slot,
        filename=f"{slot}.pdf",
        declared_type="application/pdf",
        stream=io.BytesIO(minimal_pdf()),
    )


@dataclass(frozen=True)
class Template:
    """A real submitted application: its rows as they were right after submitting."""

    application: dict[str, Any]
    tasks: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    task_ids: frozenset[str]  # every SpiffWorkflow task id in the workflow state

    @property
    def due_at(self) -> datetime:
        return min(timer["due_at"] for timer in self.timers)

    def copy_into(self, rows: Rows, number: str) -> None:
        """Add a copy with a new application id, ``number`` and new task ids to ``rows``."""
        ids = {old: str(uuid.uuid4()) for old in self.task_ids}
        application_id = uuid.uuid4()

        def new(old: uuid.UUID | None) -> uuid.UUID | None:
            return None if old is None else uuid.UUID(ids[str(old)])

        state = _UUID.sub(
            lambda m: ids.get(m.group(0), m.group(0)), self.application["workflow_state"]
        )
        rows.applications.append(
            {**self.application, "id": application_id, "number": number, "workflow_state": state}
        )
        rows.tasks += [
            {**task, "id": new(task["id"]), "application_id": application_id} for task in self.tasks
        ]
        rows.timers += [
            {
                **timer,
                "id": new(timer["id"]),
                "application_id": application_id,
                "attached_task_id": new(timer["attached_task_id"]),
            }
            for timer in self.timers
        ]


@dataclass
class Rows:
    """Rows to insert, in an order the foreign keys accept."""

    applications: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, session: Session) -> None:
        for table, rows in (
            (Application.__table__, self.applications),
            (Task.__table__, self.tasks),
            (Timer.__table__, self.timers),
        ):
            if rows:
                session.execute(sa.insert(table), rows)


def submit_template(session: Session, cast: Cast, kind: str, moment: datetime) -> Template:
    """Submit a real application at ``moment`` and read back its rows."""
    with at(moment):
        applications = ApplicationService(session, processes.platform)
        created = applications.create(
            cast.applicant,
            "refund_backfill",
            _data(kind, cast.cinema_code),
        )
        _upload(session, cast.applicant, created.id, "evidence")
        applications.submit(cast.applicant, created.id)
    return read_template(session, created.id)


def read_template(session: Session, application_id: uuid.UUID) -> Template:
    def rows(table: sa.Table, column: sa.Column[Any]) -> list[dict[str, Any]]:
        return [
            dict(row)
            for row in session.execute(sa.select(table).where(column == application_id)).mappings()
        ]

    applications, tasks, timers = Application.__table__, Task.__table__, Timer.__table__
    (application,) = rows(applications, applications.c.id)
    state = json.loads(application["workflow_state"])
    workflows = [state, *state.get("subprocesses", {}).values()]
    template = Template(
        application=application,
        tasks=rows(tasks, tasks.c.application_id),
        timers=rows(timers, timers.c.application_id),
        task_ids=frozenset(task_id for workflow in workflows for task_id in workflow["tasks"]),
    )
    session.rollback()
    referenced = {str(r["id"]) for r in template.tasks + template.timers}
    if not referenced <= template.task_ids or len(template.timers) != 1:
        raise RuntimeError("a template must have one armed timer and rows for its spiff tasks")
    return template


def add_copies(session: Session, templates: Sequence[Template], count: int) -> None:
    """Insert ``count`` copies of ``templates`` (in turn), numbered on from the counter. Commits."""
    if count <= 0:
        return
    numbers = _reserve_numbers(session, templates[0].application["number"], count)
    for start in range(0, count, BATCH):
        rows = Rows()
        for i in range(start, min(start + BATCH, count)):
            templates[i % len(templates)].copy_into(rows, numbers[i])
        rows.insert(session)
    session.commit()


def _reserve_numbers(session: Session, number: str, count: int) -> list[str]:
    """The next ``count`` acceptance numbers of ``number``'s series, taken from its counter."""
    prefix, year, _ = number.rsplit("-", 2)
    last = session.execute(
        sa.update(Counter)
        .where(Counter.name == f"acceptance:{prefix}:{year}")
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one()
    return [f"{prefix}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


@dataclass(frozen=True)
class Waiting:
    waiting: int
    due: int
    escalated: int  # history entries of the escalation service task, ever


def count_waiting(session: Session, moment: datetime) -> Waiting:
    """Waiting timers, how many of them are due at ``moment``, and escalations so far."""
    waiting = Timer.state == TimerState.WAITING
    count = sa.select(sa.func.count()).select_from(Timer)
    result = Waiting(
        waiting=session.scalar(count.where(waiting)) or 0,
        due=session.scalar(count.where(waiting, Timer.due_at <= moment)) or 0,
        escalated=session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "escalated")
        )
        or 0,
    )
    session.rollback()
    return result


def _data(kind: str, cinema_code: str) -> dict[str, Any]:
    return refund_data(cinema_code) if kind == "refund" else backfill_data(cinema_code)
