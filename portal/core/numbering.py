"""Numbers the portal hands out: counters, acceptance numbers, certificate numbers."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.core.clock import CHINA
from portal.core.models import Counter
from portal.issuance.types import SEQUENCE_LIMIT, counter_name, format_number


class NumbersExhausted(RuntimeError):
    """A numbering space is used up (e.g. a province's 999,999 cinema codes)."""


def next_counter(session: Session, name: str) -> int:
    """Increment the named counter (creating it at 1) and return its new value.

    One statement, ``INSERT ... ON CONFLICT (name) DO UPDATE SET value = value + 1
    RETURNING value``, safe under concurrency on both backends: it takes the
    row lock (PostgreSQL; a concurrent first use of a name waits for the other
    insert, then increments it) or the database write lock (SQLite) until the
    caller's transaction ends, so two transactions never obtain the same
    value, and a rolled-back transaction gives its value back. It flushes the
    session first only when it holds a new or changed :class:`Counter` (the
    only pending objects the statement depends on), so other pending rows stay
    pending and a later flush writes them together.
    """
    # Declarative ``__table__`` is typed as FromClause; a mapped class's is a Table.
    table = cast(sa.Table, Counter.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(name=name, value=1)
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"value": table.c.value + 1}
    ).returning(table.c.value)
    if any(isinstance(pending, Counter) for pending in (*session.new, *session.dirty)):
        session.flush()
    with session.no_autoflush:
        value = session.execute(upsert).scalar_one()
    return int(value)


def acceptance_number(session: Session, prefix: str, when: datetime) -> str:
    """The next acceptance number 受理编号, e.g. ``YYZC-2026-000001``.

    One sequence per prefix and year (China time).
    """
    year = when.astimezone(CHINA).year
    sequence = next_counter(session, f"acceptance:{prefix}:{year}")
    return f"{prefix}-{year}-{sequence:06d}"


def certificate_number(session: Session, prefix: str, when: datetime) -> str:
    """The next certificate number of a type, e.g. ``BAZS2026000001``.

    One sequence per prefix and year (China time), see
    :mod:`portal.issuance.types`.

    :raise NumbersExhausted: the type has used all 999,999 numbers of the year.
    """
    year = when.astimezone(CHINA).year
    sequence = next_counter(session, counter_name(prefix, year))
    if sequence > SEQUENCE_LIMIT:
        raise NumbersExhausted(f"no {prefix} certificate numbers left for {year}")
    return format_number(prefix, year, sequence)
