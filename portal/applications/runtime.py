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
from typing import Literal, cast, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.applications.blocks import BlockContext
from portal.applications.deadlines import DeadlineClock, project_timers
from portal.applications.definitions import manifest_of, model_for, model_of
from portal.applications.models import Application, ApplicationStatus, Task, TaskState
from portal.applications.notifications import Messenger
from portal.applications.registry import Platform
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import NotFound, ServiceError
from portal.core.numbering import NumbersExhausted
from workflows.errors import EngineFailure
from workflows.instance import OpenTask, ProcessInstance
from workflows.sandbox import SandboxEnvironment, SandboxScriptEngine

# Errors that must reach the caller unchanged when raised inside a service task.
_PASSTHROUGH = (ServiceError, sa.exc.SQLAlchemyError, NumbersExhausted)


class Runtime:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.clock = DeadlineClock(session)

    @overload
    def lock(self, application_id: uuid.UUID) -> Application: ...

    @overload
    def lock(
        self, application_id: uuid.UUID, *, skip_locked: Literal[True]
    ) -> Application | None: ...

    def lock(self, application_id: uuid.UUID, *, skip_locked: bool = False) -> Application | None:
        """Load the application for update, with the newest committed state.

        On PostgreSQL this takes the row lock until the transaction ends. SQLite
        ignores ``FOR UPDATE`` and reads outside a write transaction each see
        the newest commit, so a concurrent commit could mix old and new state
        within one call; a no-op write takes SQLite's database write lock
        instead, which likewise lasts until the transaction ends.

        With ``skip_locked`` an application another transaction holds gives
        None instead of waiting (PostgreSQL; SQLite waits for the write lock).

        :raise NotFound: no such application.
        """
        if self.session.get_bind().dialect.name == "sqlite":
            table = cast(sa.Table, Application.__table__)
            self.session.execute(
                sa.update(table)
                .where(table.c.id == application_id)
                .values(row_version=table.c.row_version, updated_at=table.c.updated_at)
            )
        application = self.session.scalar(
            sa.select(Application)
            .where(Application.id == application_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
        if application is None:
            if skip_locked and self._exists(application_id):
                return None
            raise NotFound("Application not found.")
        return application

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

    def load(self, application: Application, actor: Actor | None) -> ProcessInstance:
        return ProcessInstance.load(
            model_for(self.session, application),
            application.workflow_state,
            self._engine(application, actor),
        )

    def save(
        self,
        application: Application,
        instance: ProcessInstance,
        actor: Actor | None,
        *,
        completed_task: uuid.UUID | None = None,
        closing_status: ApplicationStatus | None = None,
    ) -> int:
        """Store the instance, project its tasks and timers, derive the status.

        ``closing_status`` is the status of an instance ended from outside
        (a withdrawal cancels it at no end event). Returns how many timers
        fired in this step.

        The step's messages to the applicant are left here, once the status is
        known (:meth:`Messenger.step_ended`: a decision, its reasons, certificates).

        :raise EngineFailure: the process ended at no end event that names a status.
        """
        previous = application.status
        application.workflow_state = instance.dump()
        results = instance.service_results()
        if results:
            application.result = {**application.result, **results}
        open_rows = self._project_tasks(application, instance, actor, completed_task)
        fired = project_timers(self.session, application, instance, self.clock.counted)
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

    def _project_tasks(
        self,
        application: Application,
        instance: ProcessInstance,
        actor: Actor | None,
        completed_task: uuid.UUID | None,
    ) -> list[Task]:
        """Close the rows of tasks that ended, add rows for tasks that opened.

        Returns the rows of the tasks now open.
        """
        now = utcnow()
        open_now = {task.id: task for task in instance.open_tasks()}
        rows = self.open_task_rows(application)
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
        return [row for row in rows if row.id in open_now] + opened

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
        submitted_at = self.session.scalar(
            sa.select(sa.func.max(Task.completed_at)).where(
                Task.application_id == application.id,
                Task.role == Role.APPLICANT,
                Task.state == TaskState.COMPLETED,
            )
        )
        query = sa.select(Task.id).where(
            Task.application_id == application.id,
            Task.role != Role.APPLICANT,
            Task.state == TaskState.COMPLETED,
        )
        if submitted_at is not None:
            query = query.where(Task.completed_at >= submitted_at)
        return self.session.scalar(query.limit(1)) is not None

    def _messenger(self) -> Messenger:
        issuing = self.platform.issuing
        return Messenger(self.session, issuing.outbox, issuing.base_url)

    def _engine(self, application: Application, actor: Actor | None) -> SandboxScriptEngine:
        self._messenger().step_started(application.id)
        context = BlockContext(
            session=self.session,
            application=application,
            actor=actor,
            issuing=self.platform.issuing,
            manifest=manifest_of(application.definition),
        )
        environment = SandboxEnvironment(
            functions=self.clock.functions(),
            service_caller=self.platform.registry.services.caller(context),
        )
        return SandboxScriptEngine(environment, passthrough=_PASSTHROUGH)
