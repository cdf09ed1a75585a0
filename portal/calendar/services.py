"""The working calendar as stored: seeding it from the chinese-calendar package,
administrators entering a year's official arrangement, reading years back.

Counting working days is :mod:`portal.calendar.workdays`; the format
administrators type and its checks are :mod:`portal.calendar.arrangement`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import chinese_calendar
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.calendar.arrangement import CalendarInvalid, arrangement_problems, parse_lines
from portal.calendar.models import CalendarDay, CalendarSource, CalendarYear
from portal.calendar.workdays import FIRST_YEAR, LAST_YEAR, Day, YearHook, statutory_holidays
from portal.core import history
from portal.core.actor import Actor
from portal.core.clock import china_today
from portal.core.db import utcnow
from portal.core.errors import Conflict, NotFound
from portal.core.i18n import N_
from portal.core.transactions import transaction, transactional

MAKEUP_NAME = "调休上班"
_SEED_ATTEMPTS = 3

PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# -- the package --------------------------------------------------------------------------


@functools.cache
def package_years() -> tuple[int, ...]:
    """The years the installed chinese-calendar package has official data for."""
    days = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    return tuple(sorted({day.year for day in days}))


def package_arrangement(year: int) -> tuple[list[Day], list[Day]]:
    """The package's holidays (with Chinese names) and make-up working days of ``year``."""
    holidays = [
        (day, PACKAGE_NAMES.get(name, name))
        for day, name in sorted(chinese_calendar.holidays.items())
        if day.year == year
    ]
    workdays = [(day, MAKEUP_NAME) for day in sorted(chinese_calendar.workdays) if day.year == year]
    return holidays, workdays


# -- the service ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrangement:
    """One year's holidays and make-up working days; ``record`` None: not entered yet,
    computed from the statutory holidays (provisional)."""

    year: int
    record: CalendarYear | None
    holidays: list[Day]
    workdays: list[Day]

    @property
    def provisional(self) -> bool:
        return self.record is None


class CalendarService:
    """Reading the working calendar, seeding it from the package, entering years."""

    def __init__(self, session: Session, *, on_year_entered: Sequence[YearHook] = ()) -> None:
        """``on_year_entered`` are called, in order and inside the transaction, after a
        year is entered or replaced (the timer engine's recount of provisional deadlines:
        :func:`portal.applications.timers.year_hooks`)."""
        self.session = session
        self.on_year_entered = tuple(on_year_entered)

    def seed_from_package(self) -> list[int]:
        """Store every year the chinese-calendar package covers that is not stored yet.

        One query when nothing is missing. Machines starting together may race:
        the loser's insert fails on the primary key, and it reads again what
        the winner stored. Returns the years this call added.
        """
        for _attempt in range(_SEED_ATTEMPTS):
            stored = set(self.session.scalars(sa.select(CalendarYear.year)))
            missing = [year for year in package_years() if year not in stored]
            if not missing:
                break
            try:
                with transaction(self.session):
                    self._insert_package_years(missing)
            except sa.exc.IntegrityError:
                continue  # another machine stored some of them first
            return missing
        return []

    def _insert_package_years(self, years: list[int]) -> None:
        now = utcnow()
        year_rows: list[dict[str, object]] = []
        day_rows: list[dict[str, object]] = []
        for year in years:
            year_rows.append(
                {"year": year, "source": CalendarSource.PACKAGE, "entered_at": now, "note": ""}
            )
            holidays, workdays = package_arrangement(year)
            for days, is_workday in ((holidays, False), (workdays, True)):
                day_rows += [
                    {"day": day, "year": year, "is_workday": is_workday, "name": name}
                    for day, name in days
                ]
        self.session.execute(sa.insert(CalendarYear), year_rows)
        self.session.execute(sa.insert(CalendarDay), day_rows)

    @transactional
    def enter_year(
        self,
        actor: Actor | None,
        year: int,
        holidays: Sequence[Day],
        workdays: Sequence[Day],
        note: str = "",
        *,
        allow_missing_statutory: bool = False,
    ) -> CalendarYear:
        """Store ``year``'s official arrangement, replacing what was stored for it.

        ``holidays`` are the State Council's holiday days (weekends inside a
        holiday period may be listed), ``workdays`` the weekend days that are
        worked; a make-up day without a name is called 调休上班. Records the
        history and calls the ``on_year_entered`` hooks before committing.

        :raise CalendarInvalid: with every problem: the year outside 2004 to next
            year + 1, a day outside the year or listed twice, a make-up day on a
            weekday or also a holiday, a statutory holiday missing (unless
            ``allow_missing_statutory``), a missing or too long name, too long a note.
        :raise Conflict: another administrator entered the same new year at the same moment.
        """
        workdays = [(day, name.strip() or MAKEUP_NAME) for day, name in workdays]
        problems = arrangement_problems(
            year, holidays, workdays, note, check_statutory=not allow_missing_statutory
        )
        if problems:
            raise CalendarInvalid(problems)
        record = self.session.get(CalendarYear, year, with_for_update=True)
        replaced = record.source.value if record is not None else None
        if record is None:
            record = CalendarYear(year=year)
            self.session.add(record)
        record.source = CalendarSource.OFFICIAL
        record.entered_at = utcnow()
        record.entered_by_id = actor.user_id if actor else None
        record.note = note.strip()
        try:
            self.session.flush()
        except sa.exc.IntegrityError as exc:
            raise Conflict(
                N_("Someone else changed this at the same moment. Reload and retry.")
            ) from exc
        self.session.execute(sa.delete(CalendarDay).where(CalendarDay.year == year))
        self.session.add_all(
            CalendarDay(day=day, year=year, is_workday=is_workday, name=name.strip())
            for days, is_workday in ((holidays, False), (workdays, True))
            for day, name in days
        )
        self.session.flush()
        history.record(
            self.session,
            actor,
            "calendar_year_entered",
            comment=record.note or None,
            details={
                "year": year,
                "replaced": replaced,
                "holidays": [[day.isoformat(), name] for day, name in sorted(holidays)],
                "workdays": [[day.isoformat(), name] for day, name in sorted(workdays)],
            },
        )
        for hook in self.on_year_entered:
            hook(self.session, year, actor)
        return record

    def enter_year_text(
        self,
        actor: Actor | None,
        year: int,
        holidays: str,
        workdays: str,
        note: str = "",
        *,
        allow_missing_statutory: bool = False,
    ) -> CalendarYear:
        """:meth:`enter_year` with both lists as typed (the :func:`parse_days` format).

        :raise CalendarInvalid: every malformed line with its number, together
            with the problems of the lines that were understood.
        """
        holiday_days, problems = parse_lines(holidays, "holidays", None)
        workday_days, workday_problems = parse_lines(workdays, "workdays", MAKEUP_NAME)
        problems += workday_problems
        if problems:
            # A statutory day on a malformed line is not missing; do not say so.
            problems += arrangement_problems(
                year, holiday_days, workday_days, note, check_statutory=False
            )
            raise CalendarInvalid(problems)
        return self.enter_year(
            actor,
            year,
            holiday_days,
            workday_days,
            note,
            allow_missing_statutory=allow_missing_statutory,
        )

    def years(self) -> list[CalendarYear]:
        """Every known year, oldest first."""
        return list(
            self.session.scalars(
                sa.select(CalendarYear)
                .options(selectinload(CalendarYear.entered_by))
                .order_by(CalendarYear.year)
            )
        )

    def days(self, year: int) -> list[CalendarDay]:
        """The stored exceptions of ``year`` in date order (empty for an unknown year)."""
        return list(
            self.session.scalars(
                sa.select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)
            )
        )

    def arrangement(self, year: int) -> Arrangement:
        """``year`` as stored, or as computed from the statutory holidays if not known.

        :raise NotFound: a year before 2004 or after 2099.
        """
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise NotFound(N_("The working calendar covers the years 2004 to 2099."))
        record = self.session.get(CalendarYear, year)
        if record is None:
            return Arrangement(year, None, statutory_holidays(year), [])
        days = self.days(year)
        return Arrangement(
            year,
            record,
            [(d.day, d.name) for d in days if not d.is_workday],
            [(d.day, d.name) for d in days if d.is_workday],
        )

    def provisional_years(self) -> list[int]:
        """This year and next year (China time) when they are not known yet."""
        this_year = china_today().year
        stored = set(
            self.session.scalars(sa.select(CalendarYear.year).where(CalendarYear.year >= this_year))
        )
        return [year for year in (this_year, this_year + 1) if year not in stored]
