"""Who sees what: the scope rules, as SQL filters shared by every service.

- An applicant sees its own organisation's applications and tasks.
- A reviewer sees tasks of its role inside its scope, and the applications
  that have (or had) such a task.
- An administrator sees every application but acts on no task.
- Overdue tasks that were escalated (督办) are also visible, not actionable,
  to the national reviewers, who supervise every province.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Role
from portal.applications.models import Application, Task
from portal.core.actor import Actor


def task_filter(actor: Actor) -> ColumnElement[bool]:
    """Tasks ``actor`` may see and act on."""
    if actor.role is Role.APPLICANT:
        return sa.and_(Task.role == Role.APPLICANT, Task.organization_id == actor.organization_id)
    if actor.role is Role.ADMIN:
        return sa.false()
    return sa.and_(Task.role == actor.role, Task.scope.startswith(actor.scope, autoescape=True))


def supervision_filter(actor: Actor) -> ColumnElement[bool]:
    """Escalated tasks ``actor`` follows: its own, or every one for national reviewers."""
    escalated = Task.escalated_at.is_not(None)
    if actor.role in (Role.NATIONAL_REVIEWER, Role.ADMIN):
        return escalated
    return sa.and_(escalated, task_filter(actor))


def application_filter(actor: Actor) -> ColumnElement[bool]:
    """Applications ``actor`` may see."""
    if actor.role is Role.APPLICANT:
        return Application.organization_id == actor.organization_id
    if actor.role is Role.ADMIN:
        return sa.true()
    return sa.exists().where(
        Task.application_id == Application.id,
        sa.or_(task_filter(actor), supervision_filter(actor)),
    )
