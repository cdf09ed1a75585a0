"""The official working calendar: which days are holidays and which weekends are worked.

Only exceptions to the weekend rule are stored: holidays (on weekdays or on
weekends inside a holiday period) and make-up working days 调休上班 (weekends
that are worked). A year is known once it has a :class:`CalendarYear` row; for
other years deadlines are computed from the statutory holidays and marked
provisional (``portal/services/workdays.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import Base, enum_type, utcnow


class CalendarSource(StrEnum):
    """Where a year's arrangement comes from."""

    PACKAGE = "package"  # the chinese-calendar package shipped with the portal
    OFFICIAL = "official"  # the State Council's notice, entered by an administrator


class CalendarYear(Base):
    """A year whose holiday arrangement is known."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[CalendarSource] = mapped_column(enum_type(CalendarSource, 16))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    entered_by: Mapped[User | None] = relationship()


class CalendarDay(Base):
    """A day that breaks the weekend rule: a holiday, or a worked weekend day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.ForeignKey("calendar_years.year"), index=True)
    is_workday: Mapped[bool]
    # The holiday's Chinese name (国庆节), or 调休上班 for a make-up working day.
    name: Mapped[str] = mapped_column(sa.String(100))
