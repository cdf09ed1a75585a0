"""Deadlines in BPMN timers, and the projection of armed timers into the database.

A BPMN timer that counts working days names the helper in its expression:

    <bpmn:timeDate>working_days_deadline(3)</bpmn:timeDate>

:class:`DeadlineClock` provides that helper to the sandbox. It counts from
the moment the timer is armed with the working-day calendar kept in the
database, and remembers how each deadline was counted, so that
:func:`project_timers` can store it with the timer: a deadline that fell in a
year whose official calendar was not yet entered is *provisional* and is
counted again when that year is entered. Wall-clock periods stay plain BPMN
(``"PT48H"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application, Task, TaskState, Timer, TimerState
from portal.calendar.workdays import Deadline, WorkingCalendar
from portal.core.db import utcnow
from workflows.instance import ProcessInstance, WaitingTimer


@dataclass(frozen=True)
class CountedDeadline:
    """How a working-day deadline was counted."""

    started_at: datetime
    working_days: int
    deadline: Deadline


@dataclass
class DeadlineClock:
    """The ``working_days_deadline(n)`` helper of the sandbox, for one service call."""

    session: Session
    counted: dict[datetime, CountedDeadline] = field(default_factory=dict)

    def working_days_deadline(self, working_days: int) -> str:
        """The end of the ``working_days``-th working day from now, as ISO 8601 (UTC).

        :raise ValueError: ``working_days`` is not a positive whole number.
        """
        if isinstance(working_days, bool) or not isinstance(working_days, int):
            raise ValueError("working_days_deadline() takes a whole number of days")
        started_at = utcnow()
        deadline = WorkingCalendar(self.session).deadline(started_at, working_days)
        due_at = deadline.due_at.astimezone(UTC)
        self.counted[due_at] = CountedDeadline(started_at, working_days, deadline)
        return due_at.isoformat()

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {"working_days_deadline": self.working_days_deadline}


def project_timers(
    session: Session,
    application: Application,
    instance: ProcessInstance,
    counted: dict[datetime, CountedDeadline],
) -> int:
    """Bring ``timers`` in line with the instance's armed timers; returns how many fired.

    Also gives each open task the deadline of the timers on it (its ``due_at``);
    a task whose timer has fired keeps its deadline, now passed.
    """
    now = utcnow()
    waiting = {timer.id: timer for timer in instance.waiting_timers()}
    rows = {
        row.id: row
        for row in session.scalars(
            sa.select(Timer).where(
                Timer.application_id == application.id, Timer.state == TimerState.WAITING
            )
        )
    }
    fired = 0
    for timer_id, row in rows.items():
        if timer_id in waiting:
            if row.due_at != waiting[timer_id].due_at:
                _reschedule(row, waiting[timer_id], counted)
            continue
        if instance.task_state(timer_id) == "completed":
            row.state, row.fired_at = TimerState.FIRED, now
            fired += 1
        else:
            row.state = TimerState.CANCELLED
    for timer_id, timer in waiting.items():
        if timer_id not in rows:
            session.add(_new_row(application, timer, counted.get(timer.due_at)))
    _set_task_deadlines(session, application, list(waiting.values()), counted)
    return fired


def _new_row(application: Application, timer: WaitingTimer, how: CountedDeadline | None) -> Timer:
    return Timer(
        id=timer.id,
        application_id=application.id,
        spec_id=timer.spec_id,
        state=TimerState.WAITING,
        due_at=timer.due_at,
        attached_task_id=timer.attached_to,
        interrupting=timer.interrupting,
        provisional=bool(how and how.deadline.provisional),
        started_at=how.started_at if how else None,
        working_days=how.working_days if how else None,
    )


def _reschedule(row: Timer, timer: WaitingTimer, counted: dict[datetime, CountedDeadline]) -> None:
    row.due_at = timer.due_at
    how = counted.get(timer.due_at)
    if how is not None:
        row.provisional = how.deadline.provisional


def _set_task_deadlines(
    session: Session,
    application: Application,
    waiting: list[WaitingTimer],
    counted: dict[datetime, CountedDeadline],
) -> None:
    by_task: dict[uuid.UUID, list[WaitingTimer]] = {}
    for timer in waiting:
        if timer.attached_to is not None:
            by_task.setdefault(timer.attached_to, []).append(timer)
    if not by_task:
        return
    tasks = session.scalars(
        sa.select(Task).where(
            Task.application_id == application.id,
            Task.state == TaskState.OPEN,
            Task.id.in_(list(by_task)),
        )
    )
    for task in tasks:
        deadline = _deadline_of(by_task[task.id])
        task.due_at = deadline.due_at
        how = counted.get(deadline.due_at)
        stored = session.get(Timer, deadline.id)
        task.due_provisional = bool(
            (how and how.deadline.provisional) or (stored is not None and stored.provisional)
        )


def _deadline_of(timers: list[WaitingTimer]) -> WaitingTimer:
    """Which of a task's timers is its deadline.

    The one the BPMN marks (``deadline`` = ``true``); else an interrupting one
    (the task ends when it fires); else the earliest (e.g. an escalation).
    """
    marked = [t for t in timers if t.is_deadline] or [t for t in timers if t.interrupting]
    return min(marked or timers, key=lambda t: t.due_at)
