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

from sqlalchemy.orm import Session

from portal.applications.models import Application, Task, Timer, TimerState
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
    *,
    rows: list[Timer],
    open_tasks: list[Task],
) -> int:
    """Bring ``timers`` in line with the instance's armed timers; returns how many fired.

    Also gives each open task the deadline of the timers on it (its ``due_at``);
    a task whose timer has fired keeps its deadline, now passed. ``rows`` are the
    application's waiting timer rows as they were before the step, ``open_tasks``
    the rows of its tasks open after it: the caller read them (for many
    applications at once, or before changing anything, so that the step's
    changes are written in one flush), so nothing is read here.
    """
    now = utcnow()
    waiting = {timer.id: timer for timer in instance.waiting_timers()}
    stored = {row.id: row for row in rows}
    fired = 0
    for timer_id, row in list(stored.items()):
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
        if timer_id not in stored:
            stored[timer_id] = _new_row(application, timer, counted.get(timer.due_at))
            session.add(stored[timer_id])
    _set_task_deadlines(open_tasks, list(waiting.values()), counted, stored)
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
    open_tasks: list[Task],
    waiting: list[WaitingTimer],
    counted: dict[datetime, CountedDeadline],
    stored: dict[uuid.UUID, Timer],
) -> None:
    """Give each open task the deadline of its waiting timers (``stored``: their rows)."""
    by_task: dict[uuid.UUID, list[WaitingTimer]] = {}
    for timer in waiting:
        if timer.attached_to is not None:
            by_task.setdefault(timer.attached_to, []).append(timer)
    for task in open_tasks:
        if task.id not in by_task:
            continue
        deadline = _deadline_of(by_task[task.id])
        task.due_at = deadline.due_at
        how = counted.get(deadline.due_at)
        row = stored.get(deadline.id)
        task.due_provisional = bool(
            (how and how.deadline.provisional) or (row is not None and row.provisional)
        )


def _deadline_of(timers: list[WaitingTimer]) -> WaitingTimer:
    """Which of a task's timers is its deadline.

    The one the BPMN marks (``deadline`` = ``true``); else an interrupting one
    (the task ends when it fires); else the earliest (e.g. an escalation).
    """
    marked = [t for t in timers if t.is_deadline] or [t for t in timers if t.interrupting]
    return min(marked or timers, key=lambda t: t.due_at)
