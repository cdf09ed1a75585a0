"""The inbox: listing, claiming and completing user tasks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.sql.elements import ColumnElement

from forms import FormDefinition, validate_data
from portal.accounts.models import Organization, Role, User
from portal.applications.access import supervision_filter, task_filter
from portal.applications.checks import Completion
from portal.applications.definitions import form_of
from portal.applications.models import Application, ApplicationStatus, Task, TaskState
from portal.applications.registry import Platform
from portal.applications.runtime import Rows, Runtime
from portal.applications.services import ApplicationService, listed_application
from portal.core import history
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import UTCDateTime, utcnow
from portal.core.errors import Conflict, Invalid, NotFound
from portal.core.i18n import N_, TranslatedForm
from portal.core.models import AuditEvent
from portal.core.paging import DEFAULT_LIMIT, Page, SortKey, narrowed, paginate
from portal.core.transactions import transactional
from portal.documents.models import Document


class InboxTab(StrEnum):
    """The inbox's tabs: 待办 open tasks, 已办 tasks the reviewer completed, 逾期
    open tasks past their deadline (with the escalated ones the reviewer follows)."""

    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"


NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""A task without a deadline sorts as if due at this moment (sort keys are
never NULL): after every real deadline."""

INBOX_LIMIT = 20
"""Tasks on an inbox page unless the reader asks for another number."""


def _due() -> ColumnElement[datetime]:
    """The deadline as a sort key: :data:`NO_DEADLINE` when there is none.

    The literal has the column's type, so SQLite compares the same text it
    stores (it keeps datetimes as strings)."""
    return sa.func.coalesce(Task.due_at, sa.literal(NO_DEADLINE, UTCDateTime()))


SOONEST_DUE = (SortKey.asc(_due()), SortKey.desc(Task.created_at), SortKey.asc(Task.id))
"""Open tasks: soonest due first (none last), then newest."""
LATEST_COMPLETED = (
    SortKey.desc(sa.func.coalesce(Task.completed_at, Task.created_at)),
    SortKey.desc(Task.created_at),
    SortKey.asc(Task.id),
)
"""Completed tasks: latest completed first."""
OLDEST_DEADLINE = (SortKey.asc(_due()), SortKey.asc(Task.created_at), SortKey.asc(Task.id))
"""Overdue and escalated tasks: oldest deadline first."""


@dataclass(frozen=True)
class InboxQuery:
    """One inbox page: a tab, optional filters (acceptance number and applicant
    name contain the text given, case-insensitively; submission days in China
    time, both ends included), the cursor where the page starts (None: the
    first page) and how many tasks it holds."""

    tab: InboxTab = InboxTab.OPEN
    number: str = ""
    applicant: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    cursor: str | None = None
    limit: int = INBOX_LIMIT

    @property
    def filtered(self) -> bool:
        """Whether a filter narrows the tab."""
        return bool(self.number or self.applicant or self.submitted_from or self.submitted_to)


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox tab: its tasks (and the next page's cursor), and which
    of the tasks' applications were resubmitted after a return."""

    query: InboxQuery
    page: Page[Task]
    resubmitted: frozenset[uuid.UUID]

    @property
    def tasks(self) -> list[Task]:
        return self.page.items


class TaskService:
    count_cap = 999
    """An inbox tab counts its tasks up to this many; beyond, it says "999+"."""

    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.runtime = Runtime(session, platform)

    def inbox(self, actor: Actor) -> list[Task]:
        """Every open task ``actor`` can act on, in the inbox's order (for scripts
        and tests; people and API clients read :meth:`inbox_page`)."""
        query = _listed(sa.select(Task)).where(*_tab_where(actor, InboxTab.OPEN, utcnow()))
        return list(self.session.scalars(query.order_by(*(k.ordering() for k in SOONEST_DUE))))

    def inbox_page(
        self, actor: Actor, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Task]:
        """A page of the open tasks ``actor`` can act on: soonest due first (none
        last), then newest.

        :raise Invalid: ``cursor`` is not one of this list's cursors.
        """
        where = _tab_where(actor, InboxTab.OPEN, utcnow())
        page = narrowed(sa.select(Task.id).where(*where), SOONEST_DUE, cursor=cursor, limit=limit)
        query = _listed(sa.select(Task)).where(Task.id.in_(page))
        return paginate(self.session, query, SOONEST_DUE, cursor=cursor, limit=limit)

    def search(self, actor: Actor, query: InboxQuery) -> InboxPage:
        """A page of the inbox tab ``query.tab`` for ``actor``, filtered.

        Open tasks: soonest due first, then newest; completed ones: latest
        completed first; overdue ones: oldest deadline first. Each row comes
        with its application's number, process and applicant in the same
        query (see :func:`_listed`).

        :raise Invalid: ``query.cursor`` is not one of this list's cursors.
        """
        where = _tab_where(actor, query.tab, utcnow())
        keys = _ORDERS[query.tab]
        filters = _filters(query)
        if not filters:  # the tab alone: sort the task rows, then join the page's
            page = narrowed(
                sa.select(Task.id).where(*where), keys, cursor=query.cursor, limit=query.limit
            )
            where = [Task.id.in_(page)]
        found = paginate(
            self.session,
            _listed(sa.select(Task)).where(*where, *filters),
            keys,
            cursor=query.cursor,
            limit=query.limit,
        )
        return InboxPage(query, found, self.resubmitted({t.application_id for t in found.items}))

    def count(self, actor: Actor, query: InboxQuery) -> int:
        """How many tasks of the tab ``query.tab`` match its filters (one COUNT)."""
        matching = (
            sa.select(sa.func.count())
            .select_from(Task)
            .join(Application, Task.application_id == Application.id)
            .join(Organization, Application.organization_id == Organization.id)
            .where(*_tab_where(actor, query.tab, utcnow()), *_filters(query))
        )
        return int(self.session.scalar(matching) or 0)

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
        """How many tasks each inbox tab holds, unfiltered, counted up to
        :attr:`count_cap` + 1 (a reviewer's completed tasks grow with the
        years; a tab shows "999+" rather than count them all): one statement."""
        now = utcnow()
        counts = [
            sa.select(sa.func.count())
            .select_from(
                sa.select(Task.id)
                .where(*_tab_where(actor, tab, now))
                .limit(self.count_cap + 1)
                .subquery()
            )
            .scalar_subquery()
            for tab in InboxTab
        ]
        row = self.session.execute(sa.select(*counts)).one()
        return {tab: int(n or 0) for tab, n in zip(InboxTab, row, strict=True)}

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

    def escalated(
        self, actor: Actor, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Task]:
        """A page of the open tasks past their deadline and escalated (督办) that
        ``actor`` follows.

        The reviewers of the task see their own; national reviewers see every
        province's. Oldest deadline first.

        :raise Invalid: ``cursor`` is not one of this list's cursors.
        """
        followed = sa.select(Task.id).where(Task.state == TaskState.OPEN, supervision_filter(actor))
        page = narrowed(followed, OLDEST_DEADLINE, cursor=cursor, limit=limit)
        query = _listed(sa.select(Task)).where(Task.id.in_(page))
        return paginate(self.session, query, OLDEST_DEADLINE, cursor=cursor, limit=limit)

    def escalated_count(self, actor: Actor) -> int:
        """How many tasks :meth:`escalated` lists in all (one COUNT)."""
        followed = (
            sa.select(sa.func.count())
            .select_from(Task)
            .where(Task.state == TaskState.OPEN, supervision_filter(actor))
        )
        return int(self.session.scalar(followed) or 0)

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
        application, task, rows = self._locked(actor, task_id)
        self._check_open(task, actor)
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
            task.claimed_at = utcnow()
            instance = self.runtime.load(application, actor)
            self.runtime.save(application, instance, actor, rows=rows)
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
        application, task, rows = self._locked(actor, task_id)
        self._check_open(task, actor)
        if (
            task.role is Role.APPLICANT
            and task.form_key == self.runtime.model(application).start_form
        ):
            return self._submit_through_task(actor, application, data)
        clean = self._validated(task, application, data)
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
        if task.assignee_id is None:  # claimed by completing it, written with its closing
            task.assignee_id = actor.user_id
            task.claimed_at = utcnow()
        self.runtime.save(application, instance, actor, completed_task=task.id, rows=rows)
        return application

    def _locked(self, actor: Actor, task_id: uuid.UUID) -> tuple[Application, Task, Rows]:
        """Lock the application of a task ``actor`` may see, then read the task, the
        application's open tasks and its waiting timers (newest committed state),
        for the step's :meth:`Runtime.save`: three statements.

        :raise NotFound: unknown, or outside the actor's scope.
        """
        application = self.runtime.lock_by_task(task_id, task_filter(actor))
        rows = self.runtime.rows_of([application], [task_id])[application.id]
        task = next(row for row in rows.tasks if row.id == task_id)
        return application, task, rows

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
        form = self.runtime.form(application, task.form_key)
        if not isinstance(data, Mapping):
            raise Invalid({"data": [N_("Expected an object.")]})
        clean, errors = validate_data(form, data, base=TranslatedForm)
        info = self.runtime.model(application).user_tasks[task.spec_id]
        check = self.platform.registry.task_checks.get(info.properties.get("check") or "")
        uploaded: frozenset[str] = frozenset()
        if form.slots or check is not None:  # else nothing reads them
            uploaded = frozenset(
                self.session.scalars(sa.select(Document.slot).where(Document.task_id == task.id))
            )
        hidden = form.hidden_keys(clean)
        for slot in form.slots:
            if slot.required and slot.key not in uploaded and slot.key not in hidden:
                errors.setdefault(slot.key, []).append(N_("This document is required."))
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


_ORDERS = {
    InboxTab.OPEN: SOONEST_DUE,
    InboxTab.DONE: LATEST_COMPLETED,
    InboxTab.OVERDUE: OLDEST_DEADLINE,
}


def _tab_where(actor: Actor, tab: InboxTab, now: datetime) -> list[Any]:
    """The tasks of inbox tab ``tab``: 待办 open ones ``actor`` can act on, 已办
    the ones it completed, 逾期 its open ones past their deadline with the
    escalated ones it follows."""
    if tab is InboxTab.DONE:
        return [Task.state == TaskState.COMPLETED, Task.completed_by_id == actor.user_id]
    if tab is InboxTab.OVERDUE:
        mine = sa.and_(Task.due_at.is_not(None), Task.due_at <= now, task_filter(actor))
        return [Task.state == TaskState.OPEN, sa.or_(mine, supervision_filter(actor))]
    return [Task.state == TaskState.OPEN, task_filter(actor)]


def _listed(query: sa.Select[tuple[Task]]) -> sa.Select[tuple[Task]]:
    """``query`` joined with each task's application and applicant, loading what
    task lists show and nothing more: the application's list columns and its
    applicant's name from the join, the assignee's names through another join,
    the page's few process definitions in one more query."""
    return (
        query.join(Task.application)
        .join(Application.organization)
        .options(
            listed_application(contains_eager(Task.application)),
            joinedload(Task.assignee).load_only(User.username, User.display_name),
        )
    )


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
