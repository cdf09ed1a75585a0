"""What administrators type into the working calendar: the day-list format and
the checks one year's arrangement must pass before it is stored.

A day list is one line per day or range, ``2027-01-01 元旦`` or
``2027-02-05..2027-02-11 春节`` (:func:`parse_days`, :func:`format_days`).
Every problem found is collected, with an English message id that pages and
the CLI translate, and raised together as :class:`CalendarInvalid`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from portal.calendar.workdays import FIRST_YEAR, SATURDAY, Day, statutory_holidays
from portal.core.clock import china_today
from portal.core.errors import Invalid
from portal.core.i18n import N_

MAX_NAME_LENGTH = 100
MAX_NOTE_LENGTH = 1000
MAX_RANGE_DAYS = 31


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
    days, problems = parse_lines(text, field, default_name)
    if problems:
        raise CalendarInvalid(problems)
    return days


def parse_lines(
    text: str, field: str, default_name: str | None
) -> tuple[list[Day], list[CalendarProblem]]:
    """:func:`parse_days` that returns the problems instead of raising them.

    Returns the days of the lines understood and one problem per malformed
    line (with its number), so a caller can report them together with other
    problems. Never raises.
    """
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


def arrangement_problems(
    year: int,
    holidays: Sequence[Day],
    workdays: Sequence[Day],
    note: str,
    *,
    check_statutory: bool,
) -> list[CalendarProblem]:
    """Every problem with one year's arrangement (empty: it can be stored).

    The year outside 2004 to next year + 1, a day outside the year or listed
    twice, a make-up day on a weekday or also a holiday, a statutory holiday
    missing (only if ``check_statutory``), a missing or too long name, too long
    a note. Never raises.
    """
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
