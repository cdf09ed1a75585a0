"""Checks a process runs before it advances, beyond what its forms can check.

A process names its submission check in the BPMN (process property
``submit_check``), a user task its completion check (task property
``check``). A check sees the clean data, which document slots hold a file,
and the database; it returns the problems by field (shown to the applicant or
the reviewer; nothing changes) and, for a submission, what it derived, such
as the division code that decides which reviewers see the application.
Process folders register their checks
(:meth:`portal.applications.registry.ProcessRegistry.add_submit_check`); a BPMN
naming a check nobody registered is refused when it is published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal.applications.models import Application, Task

BACKFILL_FREE_DAYS = 7


@dataclass
class CheckResult:
    errors: dict[str, list[str]] = field(default_factory=dict)
    division_code: str | None = None

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


@dataclass(frozen=True)
class Submission:
    """What a submission check sees.

    ``data`` holds the fields the form accepted (those with errors are left
    out), ``documents`` the slots of the application form that hold a document.
    """

    application: Application
    data: Mapping[str, Any]
    documents: frozenset[str]


@dataclass(frozen=True)
class Completion:
    """What a task check sees: the task, its accepted form data and the slots of the
    task's form that hold a document uploaded to this task."""

    application: Application
    task: Task
    data: Mapping[str, Any]
    documents: frozenset[str]


SubmitCheck = Callable[[Session, Submission], CheckResult]
TaskCheck = Callable[[Session, Completion], CheckResult]
