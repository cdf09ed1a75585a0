"""Running an application's process inside the caller's database transaction.

:class:`Runtime` is the seam between the engine (``workflows``, which knows
no database) and the portal's tables: it loads an application's instance,
lets the caller advance it, then stores the new state, copies service results,
projects the open user tasks into ``tasks`` and derives the status, all in
the session's current transaction. Callers lock the application row first
(:meth:`Runtime.lock`), so two requests never advance one instance at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms import FormDefinition
from portal.accounts.models import Role
from portal.applications.blocks import BlockContext
from portal.applications.deadlines import DeadlineClock, project_timers
from portal.applications.definitions import form_for, manifest_for, model_for, model_of
from portal.applications.manifest import Manifest
from portal.applications.models import (
    Application,
    ApplicationStatus,
    ProcessDefinition,
    Task,
    TaskState,
    Timer,
    TimerState,
)
from portal.applications.notifications import Messenger
from portal.applications.reach import record_reach
from portal.applications.registry import Platform
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import NotFound, ServiceError
from portal.core.i18n import N_
from portal.core.numbering import NumbersExhausted
from workflows.errors import EngineFailure
from workflows.instance import OpenTask, ProcessInstance
from workflows.model import ProcessModel
from workflows.sandbox import SandboxEnvironment, SandboxScriptEngine


@dataclass
class Rows:
    """Rows of a locked application read before a step, for :meth:`Runtime.save`:
    its open tasks (oldest first; other tasks asked for may be among them) and its
    waiting timers."""

    tasks: list[Task]
    timers: list[Timer]


# Errors that must reach the caller unchanged when raised inside a service task.
_PASSTHROUGH = (ServiceError, sa.exc.SQLAlchemyError, NumbersExhausted)


class Runtime:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.clock = DeadlineClock(session)
        # Each definition's content hash, read with the applications locked
        # (definitions never change), so loading needs no statement of its own.
        self._hashes: dict[int, str] = {}

    @overload
    def lock(self, application_id: uuid.UUID) -> Application: ...

    @overload
    def lock(
        self, application_id: uuid.UUID, *, skip_locked: Literal[True]
    ) -> Application | None: ...

    def lock(self, application_id: uuid.UUID, *, skip_locked: bool = False) -> Application | None:
        """Load the application for update, with the newest committed state.

        On PostgreSQL this takes the row lock until the transaction ends; on
        SQLite the database write lock (see :meth:`_take_write_lock_on_sqlite`).

        With ``skip_locked`` an application another transaction holds gives
        None instead of waiting (PostgreSQL; SQLite waits for the write lock).

        :raise NotFound: no such application.
        """
        self._take_write_lock_on_sqlite(Application.id == application_id)
        application = self._locked(
            sa.select(Application).where(Application.id == application_id), skip_locked
        )
        if application is None:
            if skip_locked and self._exists(application_id):
                return None
            raise NotFound("Application not found.")
        return application

    def lock_by_task(self, task_id: uuid.UUID, visible: sa.ColumnElement[bool]) -> Application:
        """Lock (as :meth:`lock`) the application of task ``task_id`` if the task is
        ``visible`` (a filter on :class:`Task`), in one statement.

        :raise NotFound: no such task, or not visible.
        """
        self._take_write_lock_on_sqlite(
            Application.id.in_(sa.select(Task.application_id).where(Task.id == task_id))
        )
        application = self._locked(
            sa.select(Application)
            .join(Task, Task.application_id == Application.id)
            .where(Task.id == task_id, visible),
            skip_locked=False,
        )
        if application is None:
            raise NotFound(N_("Task not found."))
        return application

    def lock_many(self, query: sa.Select[Application], *, skip_locked: bool) -> list[Application]:
        """Lock (as :meth:`lock`) the applications ``query`` selects, in one statement."""
        self._take_write_lock_on_sqlite(Application.id.in_(query.with_only_columns(Application.id)))
        return self._locked_all(query, skip_locked)

    def rows_of(
        self, applications: list[Application], task_ids: Iterable[uuid.UUID] = ()
    ) -> dict[uuid.UUID, Rows]:
        """The open task rows (with the rows ``task_ids``, whatever their state) and
        the waiting timer rows of locked ``applications``, newest committed state,
        one statement each for them all; :meth:`save` takes them."""
        found = {a.id: Rows([], []) for a in applications}
        if not found:
            return found
        wanted = list(task_ids)
        opened = Task.state == TaskState.OPEN
        tasks = self.session.scalars(
            sa.select(Task)
            .where(
                Task.application_id.in_(found),
                sa.or_(opened, Task.id.in_(wanted)) if wanted else opened,
            )
            .order_by(Task.created_at)
            .execution_options(populate_existing=True)
        )
        for task in tasks:
            found[task.application_id].tasks.append(task)
        waiting = self.session.scalars(
            sa.select(Timer)
            .where(Timer.application_id.in_(found), Timer.state == TimerState.WAITING)
            .execution_options(populate_existing=True)
        )
        for timer in waiting:
            found[timer.application_id].timers.append(timer)
        return found

    def _take_write_lock_on_sqlite(self, where: sa.ColumnElement[bool]) -> None:
        """SQLite ignores ``FOR UPDATE`` and reads outside a write transaction each
        see the newest commit; a no-op write takes its database write lock instead,
        which lasts until the transaction ends (a later read sees the newest commit)."""
        if self.session.get_bind().dialect.name != "sqlite":
            return
        table = cast(sa.Table, Application.__table__)
        self.session.execute(
            sa.update(table)
            .where(where)
            .values(row_version=table.c.row_version, updated_at=table.c.updated_at)
        )

    def _locked(self, query: sa.Select[Application], skip_locked: bool) -> Application | None:
        found = self._locked_all(query.limit(1), skip_locked)
        return found[0] if found else None

    def _locked_all(self, query: sa.Select[Application], skip_locked: bool) -> list[Application]:
        """The applications of ``query`` locked, their definitions' hashes remembered."""
        rows = self.session.execute(
            query.add_columns(ProcessDefinition.content_hash)
            .join(ProcessDefinition, ProcessDefinition.id == Application.definition_id)
            .with_for_update(of=Application, skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        ).all()
        for application, content_hash in rows:
            self._hashes[application.definition_id] = content_hash
        return [application for application, _ in rows]

    def _exists(self, application_id: uuid.UUID) -> bool:
        return (
            self.session.scalar(sa.select(Application.id).where(Application.id == application_id))
            is not None
        )

    def start(self, application: Application, actor: Actor) -> ProcessInstance:
        """Start the application's process (it must be pinned to a definition)."""
        instance = ProcessInstance.start(
            model_of(application.definition), self._engine(application, actor), {}
        )
        self.save(application, instance, actor)
        return instance

    def load(
        self, application: Application, actor: Actor | None, *, rows: Rows | None = None
    ) -> ProcessInstance:
        """The application's instance; ``rows`` (from :meth:`rows_of`) spare the blocks
        the step runs a read of its open tasks."""
        return ProcessInstance.load(
            self.model(application),
            application.workflow_state,
            self._engine(application, actor, rows),
        )

    def model(self, application: Application) -> ProcessModel:
        """The compiled model the application is pinned to (no statement once cached)."""
        return model_for(self.session, application, self._hashes.get(application.definition_id))

    def form(self, application: Application, form_key: str) -> FormDefinition:
        """The form ``form_key`` as the application's definition pins it.

        :raise KeyError: the definition has no such form.
        """
        return form_for(application, form_key, self._hashes.get(application.definition_id))

    def manifest(self, application: Application) -> Manifest:
        """The manifest the application is pinned to (no statement once cached)."""
        return manifest_for(self.session, application, self._hashes.get(application.definition_id))

    def save(
        self,
        application: Application,
        instance: ProcessInstance,
        actor: Actor | None,
        *,
        completed_task: uuid.UUID | None = None,
        closing_status: ApplicationStatus | None = None,
        rows: Rows | None = None,
        flush: bool = True,
    ) -> int:
        """Store the instance, project its tasks and timers, derive the status.

        ``closing_status`` is the status of an instance ended from outside
        (a withdrawal cancels it at no end event); ``rows`` the application's
        rows the caller read with :meth:`rows_of` (else they are read here).
        Without ``flush`` the changes stay in the session for the caller to
        flush (the tick writes a whole batch's in one flush).
        Returns how many timers fired in this step.

        The step's messages to the applicant are left here, once the status is
        known (:meth:`Messenger.step_ended`: a decision, its reasons, certificates).

        :raise EngineFailure: the process ended at no end event that names a status.
        """
        previous = application.status
        # Read first, then change: the changes are written in one flush at the end.
        if rows is None:
            rows = Rows(self.open_task_rows(application), self._waiting_timers(application))
        application.workflow_state = instance.dump()
        results = instance.service_results()
        if results:
            application.result = {**application.result, **results}
        open_rows, opened = self._project_tasks(
            application,
            instance,
            actor,
            completed_task,
            [row for row in rows.tasks if row.state == TaskState.OPEN],
        )
        fired = project_timers(
            self.session,
            application,
            instance,
            self.clock.counted,
            rows=rows.timers,
            open_tasks=open_rows,
        )
        if instance.is_completed:
            status = closing_status or instance.end_status
            if status is None:
                raise EngineFailure(
                    f"{application.process_key} ended without an end event that names a status"
                )
            application.status = ApplicationStatus(status)
            application.closed_at = utcnow()
        else:
            application.status = self._running_status(application, instance, open_rows)
        self._messenger().step_ended(application, previous)
        record_reach(self.session, application, opened)
        if flush:
            self.session.flush()
        return fired

    def open_task_rows(self, application: Application) -> list[Task]:
        return list(
            self.session.scalars(
                sa.select(Task)
                .where(Task.application_id == application.id, Task.state == TaskState.OPEN)
                .order_by(Task.created_at)
            )
        )

    def _waiting_timers(self, application: Application) -> list[Timer]:
        return list(
            self.session.scalars(
                sa.select(Timer).where(
                    Timer.application_id == application.id, Timer.state == TimerState.WAITING
                )
            )
        )

    def _project_tasks(
        self,
        application: Application,
        instance: ProcessInstance,
        actor: Actor | None,
        completed_task: uuid.UUID | None,
        rows: list[Task],
    ) -> tuple[list[Task], list[Task]]:
        """Close the rows (``rows``: those open until now) of tasks that ended, add
        rows for tasks that opened.

        Returns the rows of the tasks now open, and those of them that are new.
        """
        now = utcnow()
        open_now = {task.id: task for task in instance.open_tasks()}
        for row in rows:
            if row.id in open_now:
                continue
            if row.id == completed_task:
                row.state = TaskState.COMPLETED
                row.completed_by_id = actor.user_id if actor else None
            else:
                row.state = TaskState.CANCELLED
            row.completed_at = now
        known = {row.id for row in rows}
        opened = [
            self._task_row(application, task, now)
            for task_id, task in open_now.items()
            if task_id not in known
        ]
        self.session.add_all(opened)
        return [row for row in rows if row.id in open_now] + opened, opened

    def _task_row(self, application: Application, task: OpenTask, now: object) -> Task:
        role = Role(task.info.role)
        digits = role.scope_digits
        return Task(
            id=task.id,
            application_id=application.id,
            spec_id=task.info.id,
            name=task.info.name,
            form_key=task.info.form,
            role=role,
            scope=(application.division_code or "")[:digits] if digits else "",
            organization_id=application.organization_id if digits is None else None,
            state=TaskState.OPEN,
            created_at=now,
        )

    def _running_status(
        self, application: Application, instance: ProcessInstance, open_rows: list[Task]
    ) -> ApplicationStatus:
        """The status that follows every open task, not the first one.

        Tasks that name a status (the applicant's form: ``draft``, ``returned``;
        a confirmation: ``approved``) decide when every open task names the same
        one. Otherwise the application is waiting for reviewers: ``under_review``
        once any of them has claimed a task or decided since the latest
        (re)submission (a joint review with one decision made), else ``submitted``.
        """
        named = {task.info.status for task in instance.open_tasks()}
        if len(named) == 1:
            (only,) = named
            if only is not None:
                return ApplicationStatus(only)
        claimed = any(row.assignee_id is not None for row in open_rows)
        if claimed or named & {ApplicationStatus.UNDER_REVIEW.value}:
            return ApplicationStatus.UNDER_REVIEW
        if len([r for r in open_rows if r.role is not Role.APPLICANT]) > 1 and self._decided(
            application
        ):
            return ApplicationStatus.UNDER_REVIEW
        return ApplicationStatus.SUBMITTED

    def _decided(self, application: Application) -> bool:
        """Whether a reviewer completed a task since the applicant last submitted."""
        submitted_at = (
            sa.select(sa.func.max(Task.completed_at))
            .where(
                Task.application_id == application.id,
                Task.role == Role.APPLICANT,
                Task.state == TaskState.COMPLETED,
            )
            .scalar_subquery()
        )
        query = sa.select(Task.id).where(
            Task.application_id == application.id,
            Task.role != Role.APPLICANT,
            Task.state == TaskState.COMPLETED,
            sa.or_(submitted_at.is_(None), Task.completed_at >= submitted_at),
        )
        return self.session.scalar(query.limit(1)) is not None

    def _messenger(self) -> Messenger:
        issuing = self.platform.issuing
        return Messenger(self.session, issuing.outbox, issuing.base_url)

    def _engine(
        self, application: Application, actor: Actor | None, rows: Rows | None = None
    ) -> SandboxScriptEngine:
        self._messenger().step_started(application.id)
        context = BlockContext(
            session=self.session,
            application=application,
            actor=actor,
            issuing=self.platform.issuing,
            manifest=self.manifest(application),
            open_tasks=rows.tasks if rows is not None else None,
        )
        environment = SandboxEnvironment(
            functions=self.clock.functions(),
            service_caller=self.platform.registry.services.caller(context),
        )
        return SandboxScriptEngine(environment, passthrough=_PASSTHROUGH)
