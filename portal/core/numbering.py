"""Numbers the portal hands out: counters, acceptance numbers, cinema codes,
certificate numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.core.models import Counter
from portal.issuance.types import SEQUENCE_LIMIT, counter_name, format_number

CHINA = ZoneInfo("Asia/Shanghai")
CINEMA_SEQUENCE_LIMIT = 999_999


class NumbersExhausted(RuntimeError):
    """A numbering space is used up (e.g. a province's 999,999 cinema codes)."""


def next_counter(session: Session, name: str) -> int:
    """Increment the named counter and return its new value.

    Safe under concurrency on both backends: the single UPDATE takes the row
    lock (PostgreSQL) or the database write lock (SQLite) until the caller's
    transaction ends, so two transactions never obtain the same value, and a
    rolled-back transaction gives its value back.
    """
    table = Counter.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(table).values(name=name, value=0).on_conflict_do_nothing())
    value = session.execute(
        sa.update(table)
        .where(table.c.name == name)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    ).scalar_one()
    return int(value)


def acceptance_number(session: Session, prefix: str, when: datetime) -> str:
    """The next acceptance number 受理编号, e.g. ``YYZC-2026-000001``.

    One sequence per prefix and year (China time).
    """
    year = when.astimezone(CHINA).year
    sequence = next_counter(session, f"acceptance:{prefix}:{year}")
    return f"{prefix}-{year}-{sequence:06d}"


def cinema_code(session: Session, division_code: str) -> str:
    """The next cinema code 电影院编码: 8 digits, the first two the province.

    Codes come from a per-province counter that only increases, so a code is
    never given twice, not even after a cinema closes (000 §二(三)4).

    :raise NumbersExhausted: the province has used all 999,999 codes.
    """
    province = division_code[:2]
    sequence = next_counter(session, f"cinema_code:{province}")
    if sequence > CINEMA_SEQUENCE_LIMIT:
        raise NumbersExhausted(f"no cinema codes left for province {province}")
    return f"{province}{sequence:06d}"


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


FILING_PREFIX = "DYPW"
"""电影票务: the prefix of filing numbers 备案号 of ticketing software."""


def filing_number(session: Session, when: datetime) -> str:
    """The next filing number 备案号 of ticketing software, e.g. ``DYPW2026-0001``.

    The prefix, the year of filing (China time), a hyphen and a sequence of at
    least four digits that starts again at 0001 each year (the 10,000th filing
    of a year is ``DYPW2026-10000``). A number is never given twice: a
    rolled-back filing gives its number back, a revoked one keeps it.
    """
    year = when.astimezone(CHINA).year
    sequence = next_counter(session, f"filing:{FILING_PREFIX}:{year}")
    return f"{FILING_PREFIX}{year}-{sequence:04d}"
