"""Firing due timers (the scheduler's tick) and recounting provisional deadlines.

``flask --app wsgi tick`` calls :meth:`TimerService.fire_due`. It works in
batches of due applications: one statement locks a batch (the same row lock
every other change to an application takes), one more reads the batch's open
tasks and one its waiting timers; each application then fires inside a
savepoint (its blocks use the tasks read, not a read of their own), the
batch's new reach rows are written in one INSERT, and the batch commits once.
So several ticks on several machines never fire one timer twice: on PostgreSQL
a tick skips the applications another tick holds (``FOR UPDATE SKIP LOCKED``)
and takes the next ones; on SQLite the database write lock serialises them,
and a tick that comes second finds the timers already fired. An application
whose timers fail is rolled back to its savepoint alone, its failure recorded
(``attempts``, ``last_error``), and tried again at the next tick; the others
of its batch commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.applications.models import Application, Timer, TimerState
from portal.applications.reach import ReachQueue, deferred_reach
from portal.applications.registry import Platform
from portal.applications.runtime import Rows, Runtime
from portal.calendar.workdays import WorkingCalendar, YearHook
from portal.core import history
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.transactions import transaction

log = logging.getLogger(__name__)

_PLAIN_COLUMNS = frozenset(
    c.key for c in sa.inspect(Application).column_attrs if c.key not in ("id", "row_version")
)
"""Application attributes :meth:`TimerService._write_applications` writes itself."""


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
        timers due), taking due applications ``batch`` at a time, one
        transaction per batch; ``limit`` caps how many applications this call
        handles.

        A batch is first fired whole: every application's step in memory, then
        one flush for them all (a few multi-row statements, no savepoints).
        When anything in it fails, that transaction is rolled back and the
        batch fired again with a savepoint per application, so the failure
        stays with its application (see :meth:`_fire`).
        """
        fired = failed = handled = 0
        passed: set[uuid.UUID] = set()  # nothing fired (another tick did) or failed
        while limit is None or handled < limit:
            size = batch if limit is None else min(batch, limit - handled)
            try:
                counts = self._batch(passed, size, isolated=False)
            except Exception:  # rolled back; find the failing application(s) one by one
                log.info("a batch of the tick failed whole; firing it application by application")
                counts = self._batch(passed, size, isolated=True)
            if not counts:
                break
            for application_id, count in counts.items():
                fired += max(count, 0)
                failed += count < 0
                if count <= 0:
                    passed.add(application_id)
            handled += len(counts)
        return TickResult(fired=fired, failed=failed)

    def _batch(self, passed: set[uuid.UUID], size: int, *, isolated: bool) -> dict[uuid.UUID, int]:
        """Lock up to ``size`` due applications, fire their timers, commit; returns
        each application's count (timers fired, or -1 when they failed).

        Not ``isolated``, any failure rolls the whole batch back and raises.
        """
        counts: dict[uuid.UUID, int] = {}
        with transaction(self.session), deferred_reach(self.session) as reach:
            runtime = Runtime(self.session, self.platform)
            applications = runtime.lock_many(self._due(passed, size), skip_locked=True)
            rows = runtime.rows_of(applications)
            for application in applications:
                found = rows[application.id]
                if isolated:
                    counts[application.id] = self._fire(runtime, application, found, reach)
                else:
                    counts[application.id] = self._step(runtime, application, found, flush=False)
            if not isolated:
                self._write_applications(applications)
            self.session.flush()
            reach.write(self.session)
        return counts

    def _write_applications(self, applications: list[Application]) -> None:
        """Write the batch's changed application rows with one UPDATE per set of
        changed columns (many rows each), not the ORM's one UPDATE per row.

        The ORM writes a versioned row alone to check its ``row_version``; these
        rows are locked by this transaction, so that check cannot fail and the
        version is simply moved on, as the ORM would. Their changes are then
        marked written, so the flush leaves them alone; an application whose
        changes are not plain columns is left to the flush.
        """
        table = cast(sa.Table, Application.__table__)
        now = utcnow()
        groups: dict[tuple[str, ...], list[tuple[Application, dict[str, Any]]]] = {}
        for application in applications:
            state = sa.inspect(application)
            changed = tuple(a.key for a in state.attrs if a.history.has_changes())
            if not changed or not set(changed) <= _PLAIN_COLUMNS:
                continue
            values = {key: getattr(application, key) for key in changed}
            values |= {"row_version": application.row_version + 1, "updated_at": now}
            groups.setdefault(changed, []).append((application, values))
        statement = sa.update(table).where(table.c.id == sa.bindparam("b_id"))
        for members in groups.values():  # SET takes the columns the parameters name
            self.session.connection().execute(
                statement, [{"b_id": a.id, **values} for a, values in members]
            )
            for application, values in members:
                for key, value in values.items():
                    set_committed_value(application, key, value)

    def _due(self, passed: set[uuid.UUID], size: int) -> sa.Select[Application]:
        """Applications with a due timer, the longest overdue first, ``size`` of them
        (on PostgreSQL those another transaction holds are skipped, not counted)."""
        due = sa.select(Timer.application_id, sa.func.min(Timer.due_at).label("first_due")).where(
            Timer.state == TimerState.WAITING, Timer.due_at <= utcnow()
        )
        if passed:
            due = due.where(Timer.application_id.not_in(passed))
        first = due.group_by(Timer.application_id).subquery()
        return (
            sa.select(Application)
            .join(first, first.c.application_id == Application.id)
            .order_by(first.c.first_due, Application.id)
            .limit(size)
        )

    def _fire(
        self, runtime: Runtime, application: Application, rows: Rows, reach: ReachQueue
    ) -> int:
        """Fire the application's due timers in a savepoint; returns how many fired,
        or -1 when they failed (rolled back alone, its queued reach rows dropped,
        and recorded)."""
        mark = reach.mark()
        try:
            with self.session.begin_nested():
                return self._step(runtime, application, rows, flush=True)
        except Exception as exc:  # any failure stays with its application
            reach.discard_since(mark)
            log.exception("timers of application %s failed", application.id)
            self._record_failure(application.id, exc)
            return -1

    def _step(self, runtime: Runtime, application: Application, rows: Rows, *, flush: bool) -> int:
        """Fire the application's due timers; returns how many fired."""
        runtime.clock.counted.clear()  # what the previous application's step counted
        instance = runtime.load(application, None, rows=rows)
        instance.fire_due_timers()
        return runtime.save(application, instance, None, rows=rows, flush=flush)

    def _record_failure(self, application_id: uuid.UUID, exc: Exception) -> None:
        self.session.execute(
            sa.update(Timer)
            .where(
                Timer.application_id == application_id,
                Timer.state == TimerState.WAITING,
                Timer.due_at <= utcnow(),
            )
            .values(
                attempts=Timer.attempts + 1,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            .execution_options(synchronize_session="fetch")
        )


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
