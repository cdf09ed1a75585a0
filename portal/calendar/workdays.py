"""Working days: the statutory holidays and deadlines counted in working days.

"N working days" runs to the end (24:00 China time) of the N-th working day
after the day on which the period starts; the start day itself does not count.
A day is a working day unless it is a holiday or a weekend day that is not a
make-up working day 调休上班. The calendar lives in the database (several
machines share it): the years the chinese-calendar package covers are seeded
at start-up and administrators enter each new year's official arrangement
(:mod:`portal.calendar.services`); a year not entered yet is computed from the
statutory holidays fixed by law (and deadlines that reach into it are marked
provisional).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
import sqlalchemy as sa
from lunardate import LunarDate
from sqlalchemy.orm import Session

from portal.calendar.models import CalendarDay, CalendarYear
from portal.core.actor import Actor
from portal.core.clock import CHINA

FIRST_YEAR = 2004  # the first year chinese-calendar has official data for
LAST_YEAR = 2099  # the last year lunardate and the solar-term tables cover
SATURDAY = 5
_LUNAR_YEARS = range(1901, LAST_YEAR + 1)
# The years from which each version of 全国年节及纪念日放假办法 applies.
_LAW_2008, _LAW_2014, _LAW_2025 = 2008, 2014, 2025

Day = tuple[date, str]
YearHook = Callable[[Session, int, Actor | None], None]
"""What entering or replacing a year must also do, inside its transaction (session,
year, actor): the timer engine's hook counts provisional deadlines again. Hooks are
given to :class:`portal.calendar.services.CalendarService` by its caller."""


# -- the law ------------------------------------------------------------------------------


def statutory_holidays(year: int) -> list[Day]:
    """The public holidays fixed by law in ``year``, one entry per day, in date order.

    From 2025 (全国年节及纪念日放假办法 as amended in 2024): 元旦 1 January; 春节
    除夕 and 正月初一 to 初三; 清明节 the day of the 清明 solar term; 劳动节 1-2 May;
    端午节 五月初五; 中秋节 八月十五; 国庆节 1-3 October. Earlier years follow
    the versions then in force (2014-2024: 春节 初一 to 初三, 劳动节 1 May;
    2008-2013: 春节 除夕 to 初二; before 2008: no 清明, 端午 or 中秋, 劳动节 1-3
    May). Two holidays on one day (中秋 on 1 October) give one entry with both
    names. No State Council arrangement (bridging days, make-up days) is guessed.
    """
    named: dict[date, list[str]] = {}

    def add(days: Sequence[date], name: str) -> None:
        for day in days:
            named.setdefault(day, []).append(name)

    lunar = year in _LUNAR_YEARS
    traditional = lunar and year >= _LAW_2008
    add([date(year, 1, 1)], "元旦")
    if lunar:
        add(_spring_festival(year), "春节")
    if traditional:
        add([_qingming(year)], "清明节")
    labour_days = 3 if year < _LAW_2008 else 1 if year < _LAW_2025 else 2
    add([date(year, 5, 1 + i) for i in range(labour_days)], "劳动节")
    if traditional:
        add([LunarDate(year, 5, 5).to_solar_date()], "端午节")
        add([LunarDate(year, 8, 15).to_solar_date()], "中秋节")
    add([date(year, 10, 1 + i) for i in range(3)], "国庆节")
    return [(day, "、".join(names)) for day, names in sorted(named.items())]


def _spring_festival(year: int) -> list[date]:
    """除夕 (the day before 正月初一) to 初三 from 2025, 初一 to 初三 in 2014-2024
    and before 2008, 除夕 to 初二 in 2008-2013."""
    new_year = LunarDate(year, 1, 1).to_solar_date()
    if year >= _LAW_2025:
        first, count = -1, 4
    elif _LAW_2008 <= year < _LAW_2014:
        first, count = -1, 3
    else:
        first, count = 0, 3
    return [new_year + timedelta(days=first + i) for i in range(count)]


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


# -- counting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The end of a period of working days.

    ``due_at`` is the instant it ends: 24:00 China time of ``last_day``, i.e.
    00:00 +08:00 of the next day. ``provisional``: some day of the period lies in
    a year whose official arrangement is not known yet.
    """

    due_at: datetime
    last_day: date
    provisional: bool


@dataclass(frozen=True)
class _Year:
    known: bool
    exceptions: dict[date, bool]  # day -> is a working day


class WorkingCalendar:
    """Working days as the database says, read lazily one year at a time.

    Rows are cached for the life of the instance only: make one per service
    call, never one per process (another machine may enter a year meanwhile).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._years: dict[int, _Year] = {}

    def is_workday(self, day: date) -> bool:
        return self._year(day.year).exceptions.get(day, day.weekday() < SATURDAY)

    def is_provisional(self, day: date) -> bool:
        """Whether ``day``'s year is not known (computed from the statutory holidays)."""
        return not self._year(day.year).known

    def deadline(self, start: datetime, working_days: int) -> Deadline:
        """The end of ``working_days`` working days after the China-time date of ``start``.

        :raise ValueError: ``working_days`` is less than 1, or ``start`` is naive.
        """
        if working_days < 1:
            raise ValueError("a period has at least one working day")
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        day = start.astimezone(CHINA).date()
        first = day + timedelta(days=1)
        counted = 0
        while counted < working_days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        provisional = any(not self._year(y).known for y in range(first.year, day.year + 1))
        due_at = datetime.combine(day + timedelta(days=1), time(), tzinfo=CHINA)
        return Deadline(due_at=due_at, last_day=day, provisional=provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (0 if none)."""
        days = (end - start).days
        return sum(self.is_workday(start + timedelta(days=i)) for i in range(1, days + 1))

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            rows = self.session.execute(
                sa.select(CalendarYear.year, CalendarDay.day, CalendarDay.is_workday)
                .outerjoin(CalendarDay, CalendarDay.year == CalendarYear.year)
                .where(CalendarYear.year == year)
            ).all()
            if rows:
                exceptions = {day: workday for _, day, workday in rows if day is not None}
                cached = _Year(known=True, exceptions=exceptions)
            else:
                statutory = {day: False for day, _ in statutory_holidays(year)}
                cached = _Year(known=False, exceptions=statutory)
            self._years[year] = cached
        return cached
