"""The inbox: listing, claiming and completing user tasks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from forms import FormDefinition, validate_data
from portal.accounts.models import Organization, Role
from portal.applications.access import supervision_filter, task_filter
from portal.applications.checks import Completion
from portal.applications.definitions import form_of, model_of
from portal.applications.models import Application, ApplicationStatus, Task, TaskState
from portal.applications.registry import Platform
from portal.applications.runtime import Runtime
from portal.applications.services import ApplicationService
from portal.core import history
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.errors import Conflict, Invalid, NotFound
from portal.core.i18n import N_, TranslatedForm
from portal.core.models import AuditEvent
from portal.core.transactions import transactional
from portal.documents.models import Document


class InboxTab(StrEnum):
    """The inbox's tabs: 待办 open tasks, 已办 tasks the reviewer completed, 逾期
    open tasks past their deadline (with the escalated ones the reviewer follows)."""

    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class InboxQuery:
    """One inbox page: a tab, optional filters (acceptance number and applicant
    name contain the text given, case-insensitively; submission days in China
    time, both ends included) and a 1-based page."""

    tab: InboxTab = InboxTab.OPEN
    number: str = ""
    applicant: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox tab: its tasks, how many match in all, and which of the
    tasks' applications were resubmitted after a return."""

    query: InboxQuery
    tasks: list[Task]
    total: int
    resubmitted: frozenset[uuid.UUID]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


class TaskService:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.runtime = Runtime(session, platform)

    def inbox(self, actor: Actor) -> list[Task]:
        """Open tasks ``actor`` can act on: soonest due first, then newest first."""
        return list(
            self.session.scalars(
                sa.select(Task)
                .options(joinedload(Task.application))
                .where(Task.state == TaskState.OPEN, task_filter(actor))
                .order_by(Task.due_at.is_(None), Task.due_at, Task.created_at.desc())
            )
        )

    def search(self, actor: Actor, query: InboxQuery) -> InboxPage:
        """A page of the inbox tab ``query.tab`` for ``actor``, filtered.

        Open tasks: soonest due first, then newest; completed ones: latest
        completed first; overdue ones: oldest deadline first. A page past the
        last one is empty (the caller decides whether that is an error).
        """
        now = utcnow()
        if query.tab is InboxTab.DONE:
            where: list[Any] = [
                Task.state == TaskState.COMPLETED,
                Task.completed_by_id == actor.user_id,
            ]
            order: list[Any] = [Task.completed_at.desc(), Task.created_at.desc()]
        elif query.tab is InboxTab.OVERDUE:
            mine = sa.and_(Task.due_at.is_not(None), Task.due_at <= now, task_filter(actor))
            where = [Task.state == TaskState.OPEN, sa.or_(mine, supervision_filter(actor))]
            order = [Task.due_at, Task.created_at]
        else:
            where = [Task.state == TaskState.OPEN, task_filter(actor)]
            order = [Task.due_at.is_(None), Task.due_at, Task.created_at.desc()]
        where.extend(_filters(query))
        base = (
            sa.select(Task)
            .join(Application, Task.application_id == Application.id)
            .join(Organization, Application.organization_id == Organization.id)
            .where(*where)
        )
        total = int(
            self.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
        )
        tasks = list(
            self.session.scalars(
                base.options(joinedload(Task.application))
                .order_by(*order)
                .limit(query.per_page)
                .offset((query.page - 1) * query.per_page)
            )
        )
        return InboxPage(query, tasks, total, self.resubmitted({t.application_id for t in tasks}))

    def actionable(self, actor: Actor, task_ids: set[uuid.UUID]) -> frozenset[uuid.UUID]:
        """Which of the tasks ``actor`` may act on (the rest it only follows)."""
        if not task_ids:
            return frozenset()
        return frozenset(
            self.session.scalars(
                sa.select(Task.id).where(
                    Task.id.in_(task_ids), Task.state == TaskState.OPEN, task_filter(actor)
                )
            )
        )

    def tab_counts(self, actor: Actor) -> dict[InboxTab, int]:
        """How many tasks each inbox tab holds, unfiltered."""
        return {tab: self.search(actor, InboxQuery(tab=tab, per_page=1)).total for tab in InboxTab}

    def resubmitted(self, application_ids: set[uuid.UUID]) -> frozenset[uuid.UUID]:
        """Which of the applications were resubmitted after a return (补正后重新提交)."""
        if not application_ids:
            return frozenset()
        found = self.session.scalars(
            sa.select(AuditEvent.application_id).where(
                AuditEvent.action == "resubmitted",
                AuditEvent.application_id.in_(application_ids),
            )
        )
        return frozenset(a for a in found if a is not None)

    def escalated(self, actor: Actor) -> list[Task]:
        """Open tasks past their deadline and escalated (督办) that ``actor`` follows.

        The reviewers of the task see their own; national reviewers see every
        province's. Oldest deadline first.
        """
        return list(
            self.session.scalars(
                sa.select(Task)
                .options(joinedload(Task.application))
                .where(Task.state == TaskState.OPEN, supervision_filter(actor))
                .order_by(Task.due_at, Task.created_at)
            )
        )

    def supervised(self, actor: Actor, task_id: uuid.UUID) -> Task:
        """An escalated task ``actor`` follows (as :meth:`escalated` lists them), to
        read, not to act on; it stays readable once completed.

        :raise NotFound: unknown, not escalated, or not one the actor follows.
        """
        task = self.session.scalar(
            sa.select(Task).where(Task.id == task_id, supervision_filter(actor))
        )
        if task is None:
            raise NotFound(N_("Task not found."))
        return task

    def get(self, actor: Actor, task_id: uuid.UUID) -> Task:
        """A task ``actor`` may see (open or not).

        :raise NotFound: unknown, or outside the actor's scope.
        """
        task = self.session.scalar(sa.select(Task).where(Task.id == task_id, task_filter(actor)))
        if task is None:
            raise NotFound(N_("Task not found."))
        return task

    def form(self, task: Task) -> FormDefinition:
        return form_of(task.application.definition, task.form_key)

    @transactional
    def claim(self, actor: Actor, task_id: uuid.UUID) -> Task:
        """Take an open task so that nobody else works on it.

        Claiming one's own task again is harmless.

        :raise NotFound: unknown or outside the actor's scope.
        :raise Conflict: completed, or claimed by someone else.
        """
        task = self.get(actor, task_id)
        application = self.runtime.lock(task.application_id)
        self.session.refresh(task)
        self._check_open(task, actor)
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
            task.claimed_at = utcnow()
            instance = self.runtime.load(application, actor)
            self.runtime.save(application, instance, actor)
            history.record(
                self.session,
                actor,
                "claimed",
                application_id=application.id,
                task_id=task.id,
                task_name=task.name,
            )
        return task

    @transactional
    def complete(self, actor: Actor, task_id: uuid.UUID, data: Mapping[str, Any]) -> Application:
        """Complete a task with its form data and advance the process.

        An unclaimed task is claimed by completing it. The applicant's
        application-form tasks (fill in, correct) are completed by submitting
        the application, so ``data`` is saved into the application first.

        :raise NotFound: unknown or outside the actor's scope.
        :raise Conflict: already completed (also by a concurrent request) or
            claimed by someone else.
        :raise Invalid: the form data is invalid, a required document of the
            task's form is missing, or the task's check refuses it (every
            problem listed; nothing changes).
        """
        task = self.get(actor, task_id)
        application = self.runtime.lock(task.application_id)
        self.session.refresh(task)
        self._check_open(task, actor)
        if (
            task.role is Role.APPLICANT
            and task.form_key == model_of(application.definition).start_form
        ):
            return self._submit_through_task(actor, application, data)
        clean = self._validated(task, application, data)
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
            task.claimed_at = utcnow()
        # Recorded before the process advances, so the decision comes before
        # what it causes (e.g. the cinema code assigned on approval).
        history.record(
            self.session,
            actor,
            "completed",
            application_id=application.id,
            task_id=task.id,
            task_name=task.name,
            decision=_text(clean.get("decision")),
            comment=_text(clean.get("comment")),
            details={k: v for k, v in clean.items() if k not in ("decision", "comment")},
        )
        instance = self.runtime.load(application, actor)
        instance.complete(task.id, clean)
        self.runtime.save(application, instance, actor, completed_task=task.id)
        return application

    def problems(
        self, actor: Actor, task_id: uuid.UUID, data: Mapping[str, Any]
    ) -> dict[str, list[str]]:
        """Every problem completing the task with ``data`` would meet (its form's
        rules, its required documents, its check), changing nothing: a page shows
        them beside the problems of what was just typed.

        :raise NotFound: unknown or outside the actor's scope.
        """
        task = self.get(actor, task_id)
        try:
            self._validated(task, task.application, data)
        except Invalid as exc:
            return exc.errors
        return {}

    def _validated(
        self, task: Task, application: Application, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The task's clean form data, after the form's rules, its required
        documents and the task's own check (user task property ``check``).

        :raise Invalid: every problem at once.
        """
        form = self.form(task)
        if not isinstance(data, Mapping):
            raise Invalid({"data": [N_("Expected an object.")]})
        clean, errors = validate_data(form, data, base=TranslatedForm)
        uploaded = frozenset(
            self.session.scalars(sa.select(Document.slot).where(Document.task_id == task.id))
        )
        hidden = form.hidden_keys(clean)
        for slot in form.slots:
            if slot.required and slot.key not in uploaded and slot.key not in hidden:
                errors.setdefault(slot.key, []).append(N_("This document is required."))
        info = model_of(application.definition).user_tasks[task.spec_id]
        check = self.platform.registry.task_checks.get(info.properties.get("check") or "")
        if check is not None:
            accepted = {k: v for k, v in clean.items() if k not in errors}
            found = check(self.session, Completion(application, task, accepted, uploaded))
            for key, messages in found.errors.items():
                errors.setdefault(key, list(messages))
        if errors:
            raise Invalid(errors)
        return clean

    def _submit_through_task(
        self, actor: Actor, application: Application, data: Mapping[str, Any]
    ) -> Application:
        if not ApplicationStatus(application.status).is_editable:
            raise Conflict(N_("This application can no longer be changed."))
        applications = ApplicationService(self.session, self.platform)
        if data:
            applications.apply_data(actor, application, data)
        applications.apply_submission(actor, application)
        return application

    @staticmethod
    def _check_open(task: Task, actor: Actor) -> None:
        if task.state != TaskState.OPEN:
            raise Conflict(N_("This task has already been completed."))
        if task.assignee_id not in (None, actor.user_id):
            raise Conflict(N_("Someone else has claimed this task."))


def _filters(query: InboxQuery) -> list[Any]:
    found: list[Any] = []
    if query.number:
        found.append(Application.number.icontains(query.number, autoescape=True))
    if query.applicant:
        found.append(Organization.name.icontains(query.applicant, autoescape=True))
    if query.submitted_from is not None:
        found.append(Application.submitted_at >= _china_midnight(query.submitted_from))
    if query.submitted_to is not None:
        found.append(
            Application.submitted_at < _china_midnight(query.submitted_to + timedelta(days=1))
        )
    return found


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA).astimezone(UTC)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
