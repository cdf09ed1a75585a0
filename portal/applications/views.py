"""One read model of an application, for every page that shows one and for the API.

:func:`application_view` gathers, in one place, what the applicant's progress
page, the reviewer's task page, the escalation page and ``GET
/api/v1/applications/{id}`` show: the open tasks, every document version, the
history, the completed steps that recorded results, the certificates with their
live status, and the decisions of every completed review (``reviews``: who, in
which role, decided what and when; a joint review shows each reviewer's).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from forms import FormDefinition
from portal.accounts.models import Role
from portal.applications.definitions import form_of, model_of
from portal.applications.models import Application, Task, TaskState
from portal.applications.steps import StepResult, completed_steps
from portal.core.models import AuditEvent
from portal.documents.models import Document
from portal.issuance.models import Certificate
from portal.issuance.status import (
    CertificateStatus,
    certificate_status,
    certificates_of_application,
)


@dataclass(frozen=True)
class Review:
    """One completed review task's decision."""

    task_id: uuid.UUID
    task_name: str
    role: Role
    decision: str | None
    comment: str | None
    actor: str | None
    at: datetime


@dataclass(frozen=True)
class ApplicationView:
    application: Application
    form: FormDefinition
    open_tasks: list[Task]
    documents: list[Document]
    history: list[AuditEvent]
    steps: list[StepResult]
    certificates: list[tuple[Certificate, CertificateStatus]]
    reviews: list[Review]


def application_view(session: Session, application: Application) -> ApplicationView:
    """Everything shown about ``application`` (the caller checked it may be seen).

    Four queries whatever the application's past: its history, its documents
    with their uploaders, all its tasks with their assignees (the open ones
    are among them; the collection ``application.tasks`` is filled from them
    when not yet loaded), its certificates.
    """
    history = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.application_id == application.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    documents = list(
        session.scalars(
            sa.select(Document)
            .options(joinedload(Document.uploaded_by, innerjoin=True))
            .where(Document.application_id == application.id)
            .order_by(Document.slot, Document.version)
        )
    )
    tasks = tasks_of(session, application)
    return ApplicationView(
        application=application,
        form=form_of(application.definition, model_of(application.definition).start_form),
        open_tasks=[task for task in tasks if task.state == TaskState.OPEN],
        documents=documents,
        history=history,
        steps=completed_steps(application, history, documents),
        certificates=[
            (c, certificate_status(c)) for c in certificates_of_application(session, application.id)
        ],
        reviews=reviews_of(tasks, history),
    )


def tasks_of(session: Session, application: Application) -> list[Task]:
    """Every task of ``application`` with its assignee, oldest first, read in one query;
    ``application.tasks`` is set to them when the session has not loaded it yet."""
    tasks = list(
        session.scalars(
            sa.select(Task)
            .options(joinedload(Task.assignee))
            .where(Task.application_id == application.id)
            .order_by(Task.created_at)
        ).unique()
    )
    if "tasks" in sa.inspect(application).unloaded:
        set_committed_value(application, "tasks", tasks)
    return tasks


def reviews_of(tasks: list[Task], history: list[AuditEvent]) -> list[Review]:
    """The decision of every completed staff task among the application's ``tasks``,
    oldest first."""
    roles = {task.id: task.role for task in tasks}
    return [
        Review(
            task_id=event.task_id,
            task_name=event.task_name or "",
            role=roles[event.task_id],
            decision=event.decision,
            comment=event.comment,
            actor=event.actor_name,
            at=event.at,
        )
        for event in history
        if event.action == "completed"
        and event.task_id in roles
        and roles[event.task_id] is not Role.APPLICANT
        and event.decision is not None
    ]
