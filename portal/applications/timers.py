"""Firing due timers (the scheduler's tick) and recounting provisional deadlines.

``flask --app wsgi tick`` calls :meth:`TimerService.fire_due`. The due timers
of one application are fired in one transaction holding the application's
row lock (the same lock every other change to the application takes), so
several ticks on several machines never fire one timer twice: on PostgreSQL a
tick skips an application another tick holds (``FOR UPDATE SKIP LOCKED``);
on SQLite the database write lock serialises them, and a tick that comes
second finds the timers already fired. Timers that fail are recorded
(``attempts``, ``last_error``) and tried again at the next tick.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Timer, TimerState
from portal.applications.registry import Platform
from portal.applications.runtime import Runtime
from portal.calendar.workdays import WorkingCalendar, YearHook
from portal.core import history
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.transactions import transaction, transactional
from workflows.errors import WorkflowError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickResult:
    fired: int
    failed: int


class TimerService:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform

    def fire_due(self, *, limit: int | None = None, batch: int = 100) -> TickResult:
        """Fire every waiting timer whose moment has passed, once.

        Works application by application (an application may have several
        timers due), taking due applications ``batch`` at a time; ``limit``
        caps how many applications this call handles.
        """
        fired = failed = handled = 0
        passed: set[uuid.UUID] = set()  # skipped (another tick has it) or failed
        while limit is None or handled < limit:
            due = self._due_applications(passed, batch)
            if not due:
                break
            for application_id in due[: None if limit is None else limit - handled]:
                handled += 1
                try:
                    count = self._fire(application_id)
                except (WorkflowError, sa.exc.SQLAlchemyError, ValueError) as exc:
                    failed += 1
                    log.exception("timers of application %s failed", application_id)
                    self._record_failure(application_id, exc)
                    count = 0
                fired += count
                if not count:
                    passed.add(application_id)
        return TickResult(fired=fired, failed=failed)

    def _due_applications(self, passed: set[uuid.UUID], size: int) -> list[uuid.UUID]:
        """Applications with a due timer, the longest overdue first."""
        query = (
            sa.select(Timer.application_id)
            .where(Timer.state == TimerState.WAITING, Timer.due_at <= utcnow())
            .group_by(Timer.application_id)
            .order_by(sa.func.min(Timer.due_at))
            .limit(size)
        )
        if passed:
            query = query.where(Timer.application_id.not_in(passed))
        with transaction(self.session):  # read only: each application fires in its own
            return list(self.session.scalars(query))

    def _fire(self, application_id: uuid.UUID) -> int:
        """Fire the application's due timers; returns how many fired. Commits.

        Returns 0 when another tick holds the application (PostgreSQL skips
        it) or has already fired its timers.
        """
        runtime = Runtime(self.session, self.platform)
        with transaction(self.session):
            application = runtime.lock(application_id, skip_locked=True)
            if application is None:
                return 0
            instance = runtime.load(application, None)
            instance.fire_due_timers()
            return runtime.save(application, instance, None)

    @transactional
    def _record_failure(self, application_id: uuid.UUID, exc: Exception) -> None:
        due = self.session.scalars(
            sa.select(Timer).where(
                Timer.application_id == application_id,
                Timer.state == TimerState.WAITING,
                Timer.due_at <= utcnow(),
            )
        ).all()
        for timer in due:
            timer.attempts += 1
            timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]


def recount_provisional_deadlines(
    session: Session, platform: Platform, year: int, actor: Actor | None
) -> int:
    """Count again every waiting provisional deadline (after ``year`` was entered).

    Runs inside the transaction that enters the year; returns how many
    deadlines moved. Each moved deadline is recorded in the history.
    """
    calendar = WorkingCalendar(session)
    runtime = Runtime(session, platform)
    moved = 0
    timers = session.scalars(
        sa.select(Timer).where(Timer.state == TimerState.WAITING, Timer.provisional.is_(True))
    ).all()
    for timer in timers:
        if timer.started_at is None or timer.working_days is None:
            continue
        deadline = calendar.deadline(timer.started_at, timer.working_days)
        if deadline.due_at == timer.due_at and deadline.provisional:
            continue
        application = runtime.lock(timer.application_id)
        instance = runtime.load(application, actor)
        instance.reschedule_timer(timer.id, deadline.due_at)
        previous = timer.due_at
        timer.provisional = deadline.provisional
        runtime.save(application, instance, actor)
        moved += deadline.due_at != previous
        history.record(
            session,
            actor,
            "deadline_recounted",
            application_id=application.id,
            details={
                "year": year,
                "was": previous.isoformat(),
                "now": deadline.due_at.isoformat(),
                "provisional": deadline.provisional,
            },
        )
    return moved


def year_hooks(platform: Platform) -> list[YearHook]:
    """What entering a calendar year must do: count the provisional deadlines again."""

    def recount(session: Session, year: int, actor: Actor | None) -> None:
        recount_provisional_deadlines(session, platform, year, actor)

    return [recount]
