"""What the earlier steps of an application recorded, for its pages: a testing
institute's result, report number and report, shown to the reviewers who
decide on them and to the applicant.

Only steps whose form records more than a decision and its reasons are
listed (those are in the history already), and never the applicant's own
form (that is the application).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from forms import FormDefinition
from portal.accounts.models import Role
from portal.applications.definitions import form_of
from portal.applications.models import Application, Task, TaskState
from portal.core.models import AuditEvent
from portal.documents.models import Document

DECISION_KEYS = frozenset({"decision", "comment"})


@dataclass(frozen=True)
class StepResult:
    """One completed step: its task, form, recorded values and documents (newest version
    of each slot)."""

    task: Task
    form: FormDefinition
    data: dict[str, Any]
    documents: dict[str, Document]


def completed_steps(
    application: Application, events: Iterable[AuditEvent], documents: Iterable[Document]
) -> list[StepResult]:
    """The completed steps of ``application`` that recorded results, oldest first.

    ``events`` is the application's history and ``documents`` its documents
    (oldest version first), as the page already has them.
    """
    recorded = {
        e.task_id: {**e.details, "decision": e.decision, "comment": e.comment}
        for e in events
        if e.action == "completed" and e.task_id is not None
    }
    steps = []
    for task in application.tasks:
        if task.state != TaskState.COMPLETED or task.role is Role.APPLICANT:
            continue
        form = form_of(application.definition, task.form_key)
        if not form.slots and {spec.key for spec in form.fields} <= DECISION_KEYS:
            continue
        steps.append(
            StepResult(
                task=task,
                form=form,
                data={k: v for k, v in recorded.get(task.id, {}).items() if v not in (None, "")},
                documents={d.slot: d for d in documents if d.task_id == task.id},
            )
        )
    return steps
