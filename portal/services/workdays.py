"""Working days: the official calendar, deadlines counted in working days, and
administrators entering a year's holiday arrangement.

"N working days" runs to the end (24:00 China time) of the N-th working day
after the day on which the period starts; the start day itself does not count.
A day is a working day unless it is a holiday or a weekend day that is not a
make-up working day 调休上班. The calendar lives in the database (several
machines share it): the years the chinese-calendar package covers are seeded
at start-up, administrators enter each new year's official arrangement, and a
year not entered yet is computed from the statutory holidays fixed by law (and
deadlines that reach into it are marked provisional).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import sqlalchemy as sa
from lunardate import LunarDate
from sqlalchemy.orm import Session, selectinload

from portal.db import utcnow
from portal.i18n import N_
from portal.models import CalendarDay, CalendarSource, CalendarYear
from portal.services import history
from portal.services.actor import Actor
from portal.services.errors import Conflict, Invalid, NotFound
from portal.services.transactions import transactional

CHINA = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2004  # the first year chinese-calendar has official data for
LAST_YEAR = 2099  # the last year lunardate and the solar-term tables cover
MAKEUP_NAME = "调休上班"
MAX_NAME_LENGTH = 100
MAX_NOTE_LENGTH = 1000
MAX_RANGE_DAYS = 31
SATURDAY = 5
_LUNAR_YEARS = range(1901, LAST_YEAR + 1)
_SEED_ATTEMPTS = 3
# The years from which each version of 全国年节及纪念日放假办法 applies.
_LAW_2008, _LAW_2014, _LAW_2025 = 2008, 2014, 2025

Day = tuple[date, str]
YearHook = Callable[[Session, int, Actor | None], None]

ON_YEAR_ENTERED: list[YearHook] = []
"""Called in order, inside the transaction, after an administrator enters or
replaces a year (session, year, actor). The timer engine registers here to
recompute the deadlines that were provisional."""

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


# -- the law and the package --------------------------------------------------------------


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


def china_today() -> date:
    return utcnow().astimezone(CHINA).date()


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


# -- what administrators type --------------------------------------------------------------


@dataclass(frozen=True)
class CalendarProblem:
    """One problem with calendar input: an English message id and its parameters."""

    field: str
    message: str
    params: dict[str, object]

    def text(self, gettext: Callable[..., str] | None = None) -> str:
        """The message in English, or in the reader's language through Flask-Babel's ``gettext``."""
        if gettext is None:
            return self.message % self.params
        return gettext(self.message, **self.params)


_FIELD_ORDER = {"year": 0, "holidays": 1, "workdays": 2, "note": 3}


class CalendarInvalid(Invalid):
    """Calendar input refused; ``problems`` lists every problem found.

    ``errors`` holds them in English by field (``year``, ``holidays``,
    ``workdays``, ``note``); :meth:`translated` in the reader's language.
    """

    def __init__(self, problems: Sequence[CalendarProblem]) -> None:
        ordered = sorted(problems, key=lambda p: _FIELD_ORDER.get(p.field, len(_FIELD_ORDER)))
        super().__init__(_by_field(ordered), N_("The working calendar was not changed."))
        self.problems = ordered

    def translated(self, gettext: Callable[..., str]) -> dict[str, list[str]]:
        return _by_field(self.problems, gettext)


def _by_field(
    problems: Sequence[CalendarProblem], gettext: Callable[..., str] | None = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.text(gettext))
    return errors


_LINE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?(?:\s+(\S.*))?")


def parse_days(text: str, field: str = "holidays", *, default_name: str | None = None) -> list[Day]:
    """Days from lines like ``2027-01-01 元旦`` or ``2027-02-05..2027-02-11 春节``.

    Blank lines and ``#`` comments are ignored. Without ``default_name`` every
    line needs a name.

    :raise CalendarInvalid: with every malformed line and its number.
    """
    days, problems = _parse(text, field, default_name)
    if problems:
        raise CalendarInvalid(problems)
    return days


def _parse(
    text: str, field: str, default_name: str | None
) -> tuple[list[Day], list[CalendarProblem]]:
    days: list[Day] = []
    problems: list[CalendarProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            parsed = _parse_line(line, field, default_name)
            if isinstance(parsed, CalendarProblem):
                problems.append(
                    CalendarProblem(field, parsed.message, {"line": number, **parsed.params})
                )
            else:
                days.extend(parsed)
    return days, problems


def _parse_line(line: str, field: str, default_name: str | None) -> list[Day] | CalendarProblem:
    """One line's days, or its problem (the caller adds the line number)."""
    match = _LINE.fullmatch(line)
    if match is None:
        return CalendarProblem(
            field,
            N_(
                'Line %(line)s: "%(text)s" is not a date (2027-01-01) or a range '
                "(2027-02-05..2027-02-11) followed by a name."
            ),
            {"text": line[:40]},
        )
    first_text, last_text, name = match.groups()
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text) if last_text else first
    except ValueError:
        return CalendarProblem(field, N_("Line %(line)s: not a valid date."), {})
    name = (name or default_name or "").strip()
    span = (last - first).days + 1
    if span < 1:
        return CalendarProblem(field, N_("Line %(line)s: the range ends before it starts."), {})
    if span > MAX_RANGE_DAYS:
        message = N_("Line %(line)s: a range may cover at most %(max)s days.")
        return CalendarProblem(field, message, {"max": MAX_RANGE_DAYS})
    if not name:
        return CalendarProblem(field, N_("Line %(line)s: the holiday's name is missing."), {})
    return [(first + timedelta(days=i), name) for i in range(span)]


def format_days(days: Sequence[Day]) -> str:
    """Days as lines :func:`parse_days` reads, consecutive days of one name as a range."""
    lines: list[str] = []
    runs: list[list[Day]] = []
    for day, name in sorted(days):
        if runs and runs[-1][-1][1] == name and runs[-1][-1][0] + timedelta(days=1) == day:
            runs[-1].append((day, name))
        else:
            runs.append([(day, name)])
    for run in runs:
        first, last = run[0][0], run[-1][0]
        span = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
        lines.append(f"{span} {run[0][1]}")
    return "\n".join(lines)


def _problems(
    year: int,
    holidays: Sequence[Day],
    workdays: Sequence[Day],
    note: str,
    *,
    check_statutory: bool,
) -> list[CalendarProblem]:
    """Every problem with one year's arrangement (empty: it can be stored)."""
    problems: list[CalendarProblem] = []
    last_year = china_today().year + 2
    year_ok = FIRST_YEAR <= year <= last_year
    if not year_ok:
        message = N_("Only the years %(first)s to %(last)s can be entered.")
        problems.append(CalendarProblem("year", message, {"first": FIRST_YEAR, "last": last_year}))
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        problems += _list_problems(field, year, days)
    holiday_dates = {day for day, _ in holidays}
    for day, _ in workdays:
        params: dict[str, object] = {"date": day.isoformat()}
        if day.weekday() < SATURDAY:
            message = N_("%(date)s is not a Saturday or a Sunday: only weekends can be worked.")
            problems.append(CalendarProblem("workdays", message, params))
        if day in holiday_dates:
            message = N_("%(date)s is listed both as a holiday and as a make-up working day.")
            problems.append(CalendarProblem("workdays", message, params))
    if year_ok and check_statutory:
        problems += [
            CalendarProblem(
                "holidays",
                N_("Statutory holiday missing: %(date)s %(name)s."),
                {"date": day.isoformat(), "name": name},
            )
            for day, name in statutory_holidays(year)
            if day not in holiday_dates
        ]
    if len(note) > MAX_NOTE_LENGTH:
        message = N_("The note is longer than %(max)s characters.")
        problems.append(CalendarProblem("note", message, {"max": MAX_NOTE_LENGTH}))
    return problems


def _list_problems(field: str, year: int, days: Sequence[Day]) -> list[CalendarProblem]:
    problems: list[CalendarProblem] = []
    seen: set[date] = set()
    for day, name in days:
        params: dict[str, object] = {"date": day.isoformat(), "year": year}
        if day.year != year:
            problems.append(CalendarProblem(field, N_("%(date)s is not in %(year)s."), params))
        if day in seen:
            problems.append(CalendarProblem(field, N_("%(date)s is listed twice."), params))
        seen.add(day)
        if not name.strip():
            message = N_("%(date)s: the holiday's name is missing.")
            problems.append(CalendarProblem(field, message, params))
        elif len(name.strip()) > MAX_NAME_LENGTH:
            message = N_("%(date)s: the name is longer than %(max)s characters.")
            problems.append(CalendarProblem(field, message, {**params, "max": MAX_NAME_LENGTH}))
    return problems


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

    def __init__(self, session: Session) -> None:
        self.session = session

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
                self._insert_package_years(missing)
                self.session.commit()
            except sa.exc.IntegrityError:
                self.session.rollback()  # another machine stored some of them first
                continue
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
        history and calls the :data:`ON_YEAR_ENTERED` hooks before committing.

        :raise CalendarInvalid: with every problem: the year outside 2004 to next
            year + 1, a day outside the year or listed twice, a make-up day on a
            weekday or also a holiday, a statutory holiday missing (unless
            ``allow_missing_statutory``), a missing or too long name, too long a note.
        :raise Conflict: another administrator entered the same new year at the same moment.
        """
        workdays = [(day, name.strip() or MAKEUP_NAME) for day, name in workdays]
        problems = _problems(
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
        for hook in list(ON_YEAR_ENTERED):
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
        holiday_days, problems = _parse(holidays, "holidays", None)
        workday_days, workday_problems = _parse(workdays, "workdays", MAKEUP_NAME)
        problems += workday_problems
        if problems:
            # A statutory day on a malformed line is not missing; do not say so.
            problems += _problems(year, holiday_days, workday_days, note, check_statutory=False)
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
