"""Where an application stands, for its pages: the time limit each step promises,
the step bar of its process, and what a resubmission changed since the return.

- **Time limits** 承诺时限. A step with a deadline timer promises what the timer
  counted: working days (``working_days_deadline(n)``, the timer row's
  ``working_days``) or hours (a wall-clock ``"PT48H"``). A step without one
  promises what its BPMN user task says in its ``commitment`` /
  ``commitment_en`` properties.
- **Step bar.** The process's main user tasks in the order the BPMN reaches
  them from the start event (breadth first, into subprocesses), without the
  applicant's correction tasks (applicant tasks with the application form other
  than the first); a process property ``steps`` (comma-separated user-task ids)
  replaces that order. Each step is done, current or to come; a step the
  application went past without it (another branch) is left out.
- **Changes since the return.** Each submission records the data submitted
  (history ``submitted`` / ``resubmitted``, ``details["data"]``): the newest
  resubmission is compared with the submission before it, field by field, and
  the documents uploaded since that earlier submission are listed beside the
  version they replace.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from sqlalchemy.orm import Session

from forms import FormDefinition
from portal.accounts.models import Role
from portal.applications.definitions import model_of
from portal.applications.manifest import Text
from portal.applications.models import (
    Application,
    ApplicationStatus,
    Task,
    TaskState,
    Timer,
)
from portal.core.models import AuditEvent
from portal.documents.models import Document
from workflows.model import ProcessModel, UserTaskInfo

SUBMISSIONS = ("submitted", "resubmitted")


# -- time limits ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimit:
    """What a step promises: ``working_days`` or ``hours`` counted by its deadline
    timer, else the ``commitment`` its BPMN states (None when it states none)."""

    working_days: int | None = None
    hours: int | None = None
    commitment: Text | None = None


def commitment_of(info: UserTaskInfo | Mapping[str, Any]) -> Text | None:
    """The ``commitment`` / ``commitment_en`` properties of a user task, if any."""
    properties = info.properties if isinstance(info, UserTaskInfo) else info
    zh = str(properties.get("commitment") or "").strip()
    if not zh:
        return None
    return Text(zh, str(properties.get("commitment_en") or "").strip() or zh)


def time_limits(session: Session, tasks: Sequence[Task]) -> dict[uuid.UUID, TimeLimit]:
    """The time limit of each of ``tasks``, in one query (for a page of an inbox)."""
    ids = [task.id for task in tasks]
    timers: dict[uuid.UUID, list[Timer]] = {}
    if ids:
        for row in session.scalars(sa.select(Timer).where(Timer.attached_task_id.in_(ids))):
            if row.attached_task_id is not None:
                timers.setdefault(row.attached_task_id, []).append(row)
    return {task.id: _time_limit(task, timers.get(task.id, [])) for task in tasks}


def time_limit(session: Session, task: Task) -> TimeLimit:
    """The time limit of one task."""
    return time_limits(session, [task])[task.id]


def _time_limit(task: Task, timers: list[Timer]) -> TimeLimit:
    info = task.application.definition.meta["user_tasks"].get(task.spec_id, {})
    commitment = commitment_of(info.get("properties", {}))
    timer = _deadline_timer(task, timers)
    if timer is None:
        return TimeLimit(commitment=commitment)
    if timer.working_days:
        return TimeLimit(working_days=timer.working_days, commitment=commitment)
    started = timer.started_at or timer.created_at
    hours = round((timer.due_at - started).total_seconds() / 3600)
    return TimeLimit(hours=max(hours, 1), commitment=commitment)


def _deadline_timer(task: Task, timers: list[Timer]) -> Timer | None:
    """The timer that set the task's deadline: the one due when the task is due;
    else one counted in working days; else none."""
    if task.due_at is None or not timers:
        return None
    same = [t for t in timers if t.due_at == task.due_at]
    if same:
        return same[0]
    counted = [t for t in timers if t.working_days]
    return counted[0] if counted else None


# -- the step bar -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the bar: a user task of the process and where the application is."""

    spec_id: str
    name: str
    name_en: str
    state: str
    """ "done", "current" or "upcoming"."""

    def name_for(self, locale: str | None) -> str:
        return self.name_en if (locale or "").startswith("en") and self.name_en else self.name


def main_steps(model: ProcessModel) -> list[str]:
    """The ids of the process's main user tasks, in order (see the module docstring)."""
    declared = [s.strip() for s in model.properties.get("steps", "").split(",") if s.strip()]
    if declared:
        return [s for s in declared if s in model.user_tasks]
    start_form = model.start_form
    return [
        spec_id
        for spec_id in _reached_user_tasks(model)
        if not (
            model.user_tasks[spec_id].role == Role.APPLICANT.value
            and model.user_tasks[spec_id].form == start_form
            and spec_id != model.start_task
        )
    ]


def _reached_user_tasks(model: ProcessModel) -> list[str]:
    """User tasks in the order a breadth-first walk from the start event reaches them."""
    spec, subprocesses = model.workflow_spec()
    found: list[str] = []
    seen: set[int] = set()
    queue: list[Any] = [ts for ts in spec.task_specs.values() if isinstance(ts, StartEvent)]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        bpmn_id = str(getattr(current, "bpmn_id", "") or "")
        if isinstance(current, UserTask) and bpmn_id in model.user_tasks and bpmn_id not in found:
            found.append(bpmn_id)
        inner = subprocesses.get(str(getattr(current, "spec", "") or ""))
        if inner is not None:
            queue[:0] = [ts for ts in inner.task_specs.values() if isinstance(ts, StartEvent)]
        queue.extend(current.outputs)
    return found


def step_bar(application: Application) -> list[Step]:
    """The application's progress through its process's main steps.

    Steps up to the first open one are done (those that ran; a step of another
    branch is left out), the open ones current, the later ones to come (also
    when an earlier round completed them). An open task off the bar (a
    correction, an alternative branch's step) is current in its place, after
    the last step that ran. A closed application shows the steps that ran.
    """
    model = model_of(application.definition)
    order = main_steps(model)
    ran = {t.spec_id for t in application.tasks if t.state == TaskState.COMPLETED}
    open_ids = [t.spec_id for t in application.tasks if t.state == TaskState.OPEN]
    off_bar = list(dict.fromkeys(s for s in open_ids if s not in order))
    first_open = next((n for n, spec_id in enumerate(order) if spec_id in open_ids), None)
    if off_bar:
        reached = [n for n, spec_id in enumerate(order) if spec_id in ran]
        after_reached = max(reached) + 1 if reached else 0
        first_open = after_reached if first_open is None else min(first_open, after_reached)
    final = ApplicationStatus(application.status).is_final
    states: list[tuple[str, str]] = []
    for n, spec_id in enumerate(order):
        if n == first_open:
            states.extend((s, "current") for s in off_bar)
        states.append(
            (
                spec_id,
                _state(spec_id, n, first_open=first_open, open_ids=open_ids, ran=ran, final=final),
            )
        )
    if first_open is not None and first_open >= len(order):
        states.extend((s, "current") for s in off_bar)
    return [_step(model, spec_id, state) for spec_id, state in states if state]


def _state(
    spec_id: str,
    position: int,
    *,
    first_open: int | None,
    open_ids: list[str],
    ran: set[str],
    final: bool,
) -> str:
    """A bar step's state, or "" for a step the application went past without it."""
    if spec_id in open_ids:
        return "current"
    if first_open is not None:
        if position >= first_open:
            return "upcoming"
        return "done" if spec_id in ran else ""
    if spec_id in ran:
        return "done"
    return "" if final else "upcoming"


def _step(model: ProcessModel, spec_id: str, state: str) -> Step:
    info = model.user_tasks[spec_id]
    return Step(spec_id, info.name, str(info.properties.get("name_en") or ""), state)


# -- what a resubmission changed ---------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class DocumentChange:
    slot: str
    old: Document | None
    new: Document


@dataclass(frozen=True)
class Changes:
    """What the applicant changed between the submission before the return
    (``since``) and the newest resubmission (``resubmission``)."""

    since: AuditEvent
    resubmission: AuditEvent
    fields: list[FieldChange]
    documents: list[DocumentChange]
    data_known: bool
    """False when the earlier submission recorded no data (made before the portal
    kept it): only the documents can be compared."""


def changes_since_return(
    form: FormDefinition, history: Sequence[AuditEvent], documents: Sequence[Document]
) -> Changes | None:
    """What the newest resubmission changed since the submission before it, or None
    when the application was never resubmitted."""
    submissions = [e for e in history if e.action in SUBMISSIONS]
    if len(submissions) < 2 or submissions[-1].action != "resubmitted":  # noqa: PLR2004
        return None
    before, after = submissions[-2], submissions[-1]
    old_data = before.details.get("data")
    new_data = after.details.get("data")
    fields: list[FieldChange] = []
    known = isinstance(old_data, dict) and isinstance(new_data, dict)
    if isinstance(old_data, dict) and isinstance(new_data, dict):
        for spec in form.fields:
            old, new = old_data.get(spec.key), new_data.get(spec.key)
            if _blank(old) and _blank(new):
                continue
            if old != new:
                fields.append(FieldChange(spec.key, old, new))
    own = [d for d in documents if d.task_id is None]
    changed = []
    for document in own:
        if before.at < document.uploaded_at <= after.at:
            earlier = [d for d in own if d.slot == document.slot and d.version < document.version]
            previous = [d for d in earlier if d.uploaded_at <= before.at]
            changed.append(
                DocumentChange(document.slot, previous[-1] if previous else None, document)
            )
    newest: dict[str, DocumentChange] = {}
    for change in changed:
        newest[change.slot] = change
    return Changes(before, after, fields, list(newest.values()), known)


def _blank(value: Any) -> bool:
    return value is None or value in ("", [])
