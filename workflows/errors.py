"""Errors raised by the workflow engine wrapper."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a process definition, located where possible."""

    message: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.element_id:
            where.append(f"element {self.element_id}")
        if self.line:
            where.append(f"line {self.line}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {"message": self.message, "element_id": self.element_id, "line": self.line}


class WorkflowError(Exception):
    """Base class of everything this package raises on purpose."""


class DefinitionInvalid(WorkflowError):
    """A BPMN definition cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class TaskNotOpen(WorkflowError):
    """The task does not exist in this instance or can no longer be completed."""


class EngineFailure(WorkflowError):
    """The engine could not advance the instance (a script or service failed)."""
