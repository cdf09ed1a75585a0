"""Deadlines in working days (processes.md P5 "How deadlines are counted").

The package's 2026 data is the truth here: 1-7 October National Day, Saturday
10 October a make-up working day; Spring Festival 15-23 February with make-up
Saturdays 14 and 28 February; 1-3 January New Year with Sunday 4 January worked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from portal.calendar.services import CalendarService
from portal.calendar.workdays import Deadline, WorkingCalendar
from portal.core.actor import Actor
from tests.calendar.support import (
    CHINA,
    HOLIDAYS_2027,
    WORKDAYS_2027,
    china,
    count_statements,
    day,
)


def test_the_specs_example(calendar: WorkingCalendar) -> None:
    deadline = calendar.deadline(china("2026-09-30 10:00"), 3)
    assert deadline == Deadline(
        due_at=datetime(2026, 10, 11, 0, 0, tzinfo=CHINA),
        last_day=date(2026, 10, 10),
        provisional=False,
    )
    assert deadline.due_at.isoformat() == "2026-10-11T00:00:00+08:00"
    assert deadline.due_at == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "working_days", "last_day"),
    [
        # An ordinary week: Wednesday + 1 is Thursday; Friday + 1 is Monday.
        ("2026-11-18 09:00", 1, "2026-11-19"),
        ("2026-11-20 09:00", 1, "2026-11-23"),
        # Starting on a weekend: Saturday and Sunday + 1 are both Monday.
        ("2026-11-21 12:00", 1, "2026-11-23"),
        ("2026-11-22 12:00", 1, "2026-11-23"),
        ("2026-11-20 09:00", 5, "2026-11-27"),
        # National Day: 8, 9 October, Saturday 10 October (make-up), then 12-16 and 19-20.
        ("2026-09-30 10:00", 1, "2026-10-08"),
        ("2026-09-30 10:00", 10, "2026-10-20"),
        ("2026-10-01 10:00", 3, "2026-10-10"),
        ("2026-10-09 10:00", 1, "2026-10-10"),
        ("2026-10-09 10:00", 2, "2026-10-12"),
        # Spring Festival: make-up Saturday 14 February, 15-23 February off.
        ("2026-02-13 10:00", 1, "2026-02-14"),
        ("2026-02-13 10:00", 2, "2026-02-24"),
        ("2026-02-27 17:30", 1, "2026-02-28"),
        ("2026-02-27 17:30", 2, "2026-03-02"),
        # Year end: 1-3 January 2026 off, Sunday 4 January worked.
        ("2025-12-31 10:00", 1, "2026-01-04"),
        ("2025-12-31 10:00", 2, "2026-01-05"),
        ("2025-12-30 10:00", 1, "2025-12-31"),
    ],
)
def test_deadlines_in_known_years(
    calendar: WorkingCalendar, start: str, working_days: int, last_day: str
) -> None:
    deadline = calendar.deadline(china(start), working_days)
    assert deadline.last_day == day(last_day)
    assert deadline.due_at == datetime.combine(
        day(last_day) + timedelta(days=1), datetime.min.time(), CHINA
    )
    assert deadline.provisional is False


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        # 17:00 UTC on the 29th is already 01:00 on the 30th in China: counted from the 30th.
        (datetime(2026, 9, 29, 17, 0, tzinfo=UTC), "2026-10-10"),
        # 23:59 in China on the 29th is still the 29th (15:59 UTC): the 30th counts.
        (datetime(2026, 9, 29, 15, 59, tzinfo=UTC), "2026-10-09"),
        (datetime(2026, 9, 29, 23, 59, 59, tzinfo=CHINA), "2026-10-09"),
        # 07:00 in China on the 30th is still the 29th in UTC: China's date decides.
        (datetime(2026, 9, 30, 7, 0, tzinfo=CHINA), "2026-10-10"),
        (datetime(2026, 9, 30, 23, 59, 59, tzinfo=CHINA), "2026-10-10"),
    ],
)
def test_the_start_day_is_the_china_date(
    calendar: WorkingCalendar, start: datetime, last_day: str
) -> None:
    assert calendar.deadline(start, 3).last_day == day(last_day)


@pytest.mark.parametrize("working_days", [0, -1])
def test_a_period_has_at_least_one_working_day(
    calendar: WorkingCalendar, working_days: int
) -> None:
    with pytest.raises(ValueError, match="at least one"):
        calendar.deadline(china("2026-09-30 10:00"), working_days)


def test_a_naive_start_is_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone"):
        calendar.deadline(datetime(2026, 9, 30, 10, 0), 3)


@pytest.mark.parametrize(
    ("text", "workday"),
    [
        ("2026-10-01", False),  # National Day
        ("2026-10-04", False),  # a Sunday inside it
        ("2026-10-10", True),  # make-up Saturday
        ("2026-10-11", False),  # an ordinary Sunday
        ("2026-10-12", True),
        ("2027-01-01", False),  # statutory, 2027 not known
        ("2027-01-02", False),
        ("2027-01-04", True),
        ("2027-02-05", False),  # 除夕 2027
        ("2027-10-04", True),  # no bridging day is guessed
    ],
)
def test_is_workday(calendar: WorkingCalendar, text: str, workday: bool) -> None:
    assert calendar.is_workday(day(text)) is workday
    assert calendar.is_provisional(day(text)) is text.startswith("2027")


def test_working_days_between(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(day("2026-09-30"), day("2026-10-10")) == 3
    assert calendar.working_days_between(day("2026-09-30"), day("2026-09-30")) == 0
    assert calendar.working_days_between(day("2026-10-10"), day("2026-09-30")) == 0


@pytest.mark.parametrize(
    ("start", "working_days", "last_days"),
    [
        # 31 Dec, then (2027 unknown: 1 Jan holiday, 2-3 Jan weekend) 4 and 5 Jan;
        # officially 1-4 Jan are off, so 5 and 6 Jan.
        ("2026-12-30 10:00", 3, ("2027-01-05", "2027-01-06")),
        ("2026-12-31 10:00", 1, ("2027-01-04", "2027-01-05")),
        # Officially Saturday 9 January is a make-up working day.
        ("2026-12-30 10:00", 6, ("2027-01-08", "2027-01-09")),
        # Statutory 2027 Spring Festival is 除夕 5 Feb to 初三 8 Feb; officially 5-13 Feb.
        ("2027-02-04 10:00", 1, ("2027-02-09", "2027-02-15")),
    ],
)
def test_a_deadline_in_an_unknown_year_is_provisional_until_the_year_is_entered(
    session: Session,
    admin: Actor,
    start: str,
    working_days: int,
    last_days: tuple[str, str],
) -> None:
    provisional_last_day, official_last_day = last_days
    before = WorkingCalendar(session).deadline(china(start), working_days)
    assert (before.last_day, before.provisional) == (day(provisional_last_day), True)

    CalendarService(session).enter_year_text(admin, 2027, HOLIDAYS_2027, WORKDAYS_2027)

    after = WorkingCalendar(session).deadline(china(start), working_days)
    assert (after.last_day, after.provisional) == (day(official_last_day), False)
    assert after.due_at == datetime.combine(
        day(official_last_day) + timedelta(days=1), datetime.min.time(), CHINA
    )


def test_a_deadline_inside_a_known_year_is_not_provisional(calendar: WorkingCalendar) -> None:
    assert calendar.deadline(china("2026-12-30 10:00"), 1).provisional is False
    assert calendar.deadline(china("2026-12-31 23:00"), 1).provisional is True


def test_the_calendar_reads_each_year_once(session: Session) -> None:
    calendar = WorkingCalendar(session)
    with count_statements(session) as statements:
        calendar.deadline(china("2026-09-30 10:00"), 3)
        calendar.deadline(china("2026-12-30 10:00"), 3)
        calendar.deadline(china("2026-02-13 10:00"), 2)
    assert len(statements) == 2  # 2026, then 2027
