"""The desks an application reached: rows of ``application_reach``.

A reviewer sees the applications that have (or had) a task of its role inside
its scope, and national reviewers also those with an escalated task (督办).
Asked of the tasks table, that is an EXISTS over millions of task rows with a
prefix test; asked of ``application_reach`` it is an equality on
``(role, scope_prefix)`` whose index is already in the list's order (see
:class:`~portal.applications.models.ApplicationReach`).

Rows are only ever added, with "insert, or nothing if it is there": the
runtime adds them for the tasks it opens, the ``escalate`` block for the tasks
it escalates, migration 0010 and the benchmark generator for existing tasks
(:func:`backfill_reach`, the same rule in SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationReach, Task

SCOPE_LENGTHS = (0, 2, 4, 6)
"""The lengths a scope can have: nationwide, province, city, county."""

SUPERVISOR = (Role.NATIONAL_REVIEWER, "")
"""The desk every escalated task reaches."""


def desks(task: Task) -> set[tuple[Role, str]]:
    """The ``(role, scope prefix)`` pairs whose reviewers see ``task``.

    A reviewer with scope S sees a task with scope T when T starts with S, so
    the task reaches every prefix of T that is a scope (applicant tasks reach
    no reviewer; applicants see their organisation's applications).
    """
    found: set[tuple[Role, str]] = set()
    if task.role.scope_digits is not None:
        scope = task.scope or ""
        found.update((task.role, scope[:n]) for n in SCOPE_LENGTHS if n <= len(scope))
    if task.escalated_at is not None:
        found.add(SUPERVISOR)
    return found


def record_reach(session: Session, application: Application, tasks: Iterable[Task]) -> int:
    """Add the reach rows of ``tasks`` (new or escalated ones) of ``application``.

    One INSERT for all of them (or, inside :func:`deferred_reach`, queued for
    one INSERT at the end of the batch); rows already there are left alone, so
    calling this twice, or for a task whose desks are known, is harmless.
    Returns how many rows were asked for (not how many were new).
    """
    pairs = set().union(*(desks(task) for task in tasks))
    if not pairs:
        return 0
    if sa.inspect(application).pending:  # the rows refer to it; its created_at is set at flush
        session.flush()
    rows = [
        {
            "application_id": application.id,
            "role": role,
            "scope_prefix": prefix,
            "created_at": application.created_at,
        }
        for role, prefix in sorted(pairs)
    ]
    queue = session.info.get(_QUEUE_KEY)
    if isinstance(queue, ReachQueue):
        queue.rows.extend(rows)
    else:
        session.execute(_insert_ignoring_duplicates(session, rows))
    return len(rows)


_QUEUE_KEY = "portal.application_reach.queue"
_ROWS_PER_INSERT = 1000  # 4 parameters a row: far below PostgreSQL's and SQLite's limits


class ReachQueue:
    """Reach rows asked for inside :func:`deferred_reach`, written by :meth:`write`.

    A caller that isolates a failing part of its transaction (a savepoint per
    application) takes a :meth:`mark` before it and :meth:`discard_since` the
    mark when it rolls back, so a rolled-back step leaves no reach behind.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def mark(self) -> int:
        return len(self.rows)

    def discard_since(self, mark: int) -> None:
        del self.rows[mark:]

    def write(self, session: Session) -> int:
        """Insert the queued rows (duplicates once, existing rows left alone) in one
        statement per thousand rows; returns how many were written or were there."""
        unique = list(
            {(r["application_id"], r["role"], r["scope_prefix"]): r for r in self.rows}.values()
        )
        self.rows.clear()
        for start in range(0, len(unique), _ROWS_PER_INSERT):
            chunk = unique[start : start + _ROWS_PER_INSERT]
            session.execute(_insert_ignoring_duplicates(session, chunk))
        return len(unique)


@contextmanager
def deferred_reach(session: Session) -> Iterator[ReachQueue]:
    """Queue the reach rows :func:`record_reach` adds in ``session`` until the caller
    writes them (:meth:`ReachQueue.write`, before it commits): the tick writes a
    whole batch's rows in one INSERT instead of one per application."""
    queue = ReachQueue()
    session.info[_QUEUE_KEY] = queue
    try:
        yield queue
    finally:
        session.info.pop(_QUEUE_KEY, None)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> sa.Executable:
    table = cast(sa.Table, ApplicationReach.__table__)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).values(rows).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).values(rows).on_conflict_do_nothing()
    raise NotImplementedError(f"no reach insert for {dialect}")


# The same rule as :func:`desks`, for every task at once. Migration 0010 holds
# a copy (migrations do not import the portal). SQLite needs the WHERE before
# ON CONFLICT to parse INSERT ... SELECT ... ON CONFLICT.
BACKFILL_SQL = """
INSERT INTO application_reach (application_id, role, scope_prefix, created_at)
SELECT DISTINCT desk.application_id, desk.role, desk.scope_prefix, applications.created_at
FROM (
    SELECT tasks.application_id AS application_id, tasks.role AS role,
           substr(tasks.scope, 1, lengths.n) AS scope_prefix
    FROM tasks
    JOIN (SELECT 0 AS n UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 6) AS lengths
      ON lengths.n <= length(tasks.scope)
    WHERE tasks.role <> 'applicant'
    UNION
    SELECT tasks.application_id, 'national_reviewer', ''
    FROM tasks
    WHERE tasks.escalated_at IS NOT NULL
) AS desk
JOIN applications ON applications.id = desk.application_id
WHERE true
ON CONFLICT DO NOTHING
"""


def backfill_reach(connection: sa.Connection) -> int:
    """Add the reach rows of every task in the database, set-based.

    For migrations and generated data (the benchmark's scale generator writes
    tasks in bulk, then calls this). Existing rows stay; returns how many were
    added. The caller commits.
    """
    result = connection.execute(sa.text(BACKFILL_SQL))
    return max(result.rowcount, 0)
