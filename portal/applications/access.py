"""Who sees what: the scope rules, as SQL filters shared by every service.

- An applicant sees its own organisation's applications and tasks.
- A reviewer sees tasks of its role inside its scope, and the applications
  that have (or had) such a task.
- An administrator sees every application but acts on no task.
- Overdue tasks that were escalated (督办) are also visible, not actionable,
  to the national reviewers, who supervise every province.

The applications a reviewer sees are read from ``application_reach`` (kept by
:mod:`portal.applications.reach`), not from the task rows: an equality on the
reviewer's role and scope. :func:`visible_newest_first` lists them in the order
of the reach index, so a page is one index range scan however long the history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationReach, Task
from portal.core.actor import Actor

T = TypeVar("T")
NewestFirst = tuple[QueryableAttribute[datetime], QueryableAttribute[uuid.UUID]]
"""The two keys of a newest-first list of applications, both descending."""


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
    """Applications ``actor`` may see.

    A reviewer's are those with a reach row of its role and exactly its scope
    (the rows hold every scope prefix of every task, and the national desk for
    escalated ones, so this is ``task_filter`` or ``supervision_filter`` over the
    application's tasks, ever). For one application it is a primary-key probe.
    """
    if actor.role is Role.APPLICANT:
        return Application.organization_id == actor.organization_id
    if actor.role is Role.ADMIN:
        return sa.true()
    return Application.id.in_(sa.select(ApplicationReach.application_id).where(_desk(actor)))


def visible_newest_first(actor: Actor, query: Select[T]) -> tuple[Select[T], NewestFirst]:
    """``query`` (over applications) kept to those ``actor`` may see, and the
    keys of the newest-first order that an index serves: creation time, then id.

    A reviewer's query joins its reach rows (one per application) and orders by
    their copies of both keys: the reach index ``(role, scope_prefix,
    created_at, application_id)`` read backwards is that order, so a page costs
    its own rows only. Ordered by the application's columns instead, PostgreSQL
    would read every reach row of the desk and sort them (the equality between
    the copies is invisible to its estimates). The values, and so the cursors,
    are those of the application's own columns.
    """
    if actor.role in (Role.APPLICANT, Role.ADMIN):
        return query.where(application_filter(actor)), (Application.created_at, Application.id)
    joined = query.join(
        ApplicationReach,
        sa.and_(ApplicationReach.application_id == Application.id, _desk(actor)),
    )
    return joined, (ApplicationReach.created_at, ApplicationReach.application_id)


def _desk(actor: Actor) -> ColumnElement[bool]:
    return sa.and_(
        ApplicationReach.role == actor.role, ApplicationReach.scope_prefix == actor.scope
    )
