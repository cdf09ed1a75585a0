"""The scale generator's templates: a few real cinema registrations, and their rows.

A million applications cannot be made through the services in minutes, so
three are made for real, each through :class:`ApplicationService` and
:class:`TaskService` as a cinema and a Hunan reviewer would (the application
form filled in, both licences uploaded, submitted, decided):

- ``open``: submitted, its provincial review open (what a reviewer completes
  in the completion benchmark);
- ``approved``: submitted and approved (code assigned, digital certificate issued);
- ``corrected``: returned for correction, resubmitted, then approved (four tasks).

Each is read back as a :class:`Template`: its ``applications`` row, its
``tasks`` rows and its ``audit_events`` rows, plus every SpiffWorkflow task id
in its workflow state (the generator gives each copy ids of its own).
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType, Role
from portal.accounts.services import AccountService, Registration
from portal.applications.models import Application, Task
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.actor import Actor
from portal.core.extensions import processes
from portal.core.models import AuditEvent
from portal.documents.services import DocumentService
from tests.helpers import cinema_data, make_uscc, minimal_pdf

PASSWORD = "Bench-Scale-2026-Reviewer"  # noqa: S105 - users of a scratch database
"""Every reviewer the generator creates signs in with this password."""
TEMPLATE_DIVISION = "430102"  # cinema_data(): Furong district, Changsha


@dataclass(frozen=True)
class Reviewers:
    """The staff the benchmarks sign in as (user names)."""

    provincial: str = "bench_hunan"  # provincial_reviewer, scope 43
    national: str = "bench_national"  # national_reviewer, nationwide
    county: str = "bench_furong"  # county_reviewer, scope 430102
    admin: str = "bench_admin"


REVIEWERS = Reviewers()


@dataclass(frozen=True)
class Template:
    """A real application's rows, as read back after its last step."""

    kind: str
    application: dict[str, Any]
    tasks: list[dict[str, Any]]
    events: list[dict[str, Any]]
    task_ids: list[str]  # every SpiffWorkflow task id in the workflow state

    def task_index(self, task_id: uuid.UUID | None) -> int | None:
        """The position of ``task_id`` among :attr:`task_ids` (None: not a spiff task)."""
        return None if task_id is None else self.task_ids.index(str(task_id))


@dataclass(frozen=True)
class Cast:
    applicant: Actor
    provincial: Actor
    organization_id: int
    applicant_id: int


def create_cast(session: Session) -> Cast:
    """The template cinema enterprise and the reviewers of every role the benchmarks use."""
    accounts = AccountService(session)
    user = accounts.register_enterprise(
        Registration(
            org_name="长沙星光影城有限公司",
            uscc=make_uscc(1),
            org_type=OrgType.CINEMA,
            contact_name="张经理",
            mobile="13800138000",
            username="bench_cinema",
            password=PASSWORD,
        )
    )
    provincial = accounts.create_user(
        REVIEWERS.provincial, PASSWORD, role=Role.PROVINCIAL_REVIEWER, scope="43"
    )
    accounts.create_user(REVIEWERS.national, PASSWORD, role=Role.NATIONAL_REVIEWER, scope="")
    accounts.create_user(
        REVIEWERS.county, PASSWORD, role=Role.COUNTY_REVIEWER, scope=TEMPLATE_DIVISION
    )
    accounts.create_user(REVIEWERS.admin, PASSWORD, role=Role.ADMIN, scope="")
    assert user.organization_id is not None
    return Cast(Actor.of(user), Actor.of(provincial), user.organization_id, user.id)


def make_templates(session: Session, cast: Cast) -> dict[str, Template]:
    """The three real applications (see the module's docstring), read back."""
    open_id = _submitted(session, cast)
    approved_id = _submitted(session, cast)
    _decide(session, cast, approved_id, "approve")
    corrected_id = _submitted(session, cast)
    _decide(session, cast, corrected_id, "return")
    ApplicationService(session, processes.platform).submit(cast.applicant, corrected_id)
    _decide(session, cast, corrected_id, "approve")
    return {
        "open": read_template(session, "open", open_id),
        "approved": read_template(session, "approved", approved_id),
        "corrected": read_template(session, "corrected", corrected_id),
    }


def _submitted(session: Session, cast: Cast) -> uuid.UUID:
    applications = ApplicationService(session, processes.platform)
    application = applications.create(cast.applicant, "cinema_registration", cinema_data())
    for slot in ("business_licence", "screening_licence"):
        DocumentService(session, processes.platform).upload_to_application(
            cast.applicant,
            application.id,
            slot_key=slot,
            filename=f"{slot}.pdf",
            declared_type="application/pdf",
            stream=io.BytesIO(minimal_pdf()),
        )
    applications.submit(cast.applicant, application.id)
    return application.id


def _decide(session: Session, cast: Cast, application_id: uuid.UUID, decision: str) -> None:
    tasks = TaskService(session, processes.platform)
    (task,) = [t for t in tasks.inbox(cast.provincial) if t.application_id == application_id]
    tasks.complete(cast.provincial, task.id, {"decision": decision, "comment": "材料齐全"})


def read_template(session: Session, kind: str, application_id: uuid.UUID) -> Template:
    """The rows of ``application_id``; checks that every task row is a spiff task."""

    def rows(
        table: sa.FromClause, column: sa.ColumnElement[Any], order: sa.ColumnElement[Any]
    ) -> list[dict[str, Any]]:
        query = sa.select(table).where(column == application_id).order_by(order)
        return [dict(row) for row in session.execute(query).mappings()]

    applications, tasks, events = (
        Application.__table__,
        Task.__table__,
        AuditEvent.__table__,
    )
    (application,) = rows(applications, applications.c.id, applications.c.id)
    state = json.loads(application["workflow_state"])
    workflows = [state, *state.get("subprocesses", {}).values()]
    template = Template(
        kind=kind,
        application=application,
        tasks=rows(tasks, tasks.c.application_id, tasks.c.created_at),
        events=rows(events, events.c.application_id, events.c.id),
        task_ids=sorted({task_id for workflow in workflows for task_id in workflow["tasks"]}),
    )
    session.rollback()
    if not {str(row["id"]) for row in template.tasks} <= set(template.task_ids):
        raise RuntimeError(f"{kind}: a task row names no task of the workflow state")
    return template
