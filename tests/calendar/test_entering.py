"""Administrators entering a year's official arrangement (service level)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from portal.calendar.arrangement import CalendarInvalid, format_days, parse_days
from portal.calendar.models import CalendarDay, CalendarSource, CalendarYear
from portal.calendar.services import CalendarService
from portal.calendar.workdays import WorkingCalendar, statutory_holidays
from portal.core.actor import Actor
from portal.core.models import AuditEvent
from tests.calendar.support import (
    HOLIDAY_COUNT_2027,
    HOLIDAYS_2027,
    MAKEUP_2027,
    TODAY,
    WORKDAYS_2027,
    day,
)


def snapshot(session: Session) -> tuple[object, ...]:
    """Everything entering a year may change."""
    session.expire_all()
    years = session.execute(
        sa.select(CalendarYear.year, CalendarYear.source, CalendarYear.note).order_by(
            CalendarYear.year
        )
    ).all()
    days = session.execute(
        sa.select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name).order_by(
            CalendarDay.day
        )
    ).all()
    events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    return tuple(years), tuple(days), events


def entered_events(session: Session) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "calendar_year_entered")
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def hook_calls(service: CalendarService) -> list[tuple[int, Actor | None, bool]]:
    """A year hook given to the service (after the recount); it notes what it saw."""
    calls: list[tuple[int, Actor | None, bool]] = []

    def hook(session: Session, year: int, actor: Actor | None) -> None:
        sees_new_days = WorkingCalendar(session).is_workday(date(year, 1, 9))
        calls.append((year, actor, sees_new_days))

    service.on_year_entered = (*service.on_year_entered, hook)
    return calls


def test_entering_a_year(
    session: Session,
    service: CalendarService,
    admin: Actor,
    hook_calls: list[tuple[int, Actor | None, bool]],
) -> None:
    record = service.enter_year_text(
        admin, 2027, HOLIDAYS_2027, WORKDAYS_2027, " 国办发明电〔2026〕7号 "
    )
    assert (record.year, record.source, record.entered_by_id, record.note) == (
        2027,
        CalendarSource.OFFICIAL,
        admin.user_id,
        "国办发明电〔2026〕7号",
    )
    session.expire_all()
    days = service.days(2027)
    assert len(days) == HOLIDAY_COUNT_2027 + len(MAKEUP_2027)
    assert [d.day for d in days if d.is_workday] == MAKEUP_2027
    assert {d.name for d in days if d.is_workday} == {"调休上班"}
    assert [(d.day, d.name) for d in days if d.day.month == 2 and not d.is_workday] == [
        (date(2027, 2, n), "春节") for n in range(5, 14)
    ]
    assert hook_calls == [(2027, admin, True)]

    (event,) = entered_events(session)
    assert (event.action, event.actor_id, event.comment) == (
        "calendar_year_entered",
        admin.user_id,
        "国办发明电〔2026〕7号",
    )
    assert event.details["year"] == 2027
    assert event.details["replaced"] is None
    assert event.details["holidays"][0] == ["2027-01-01", "元旦"]
    assert event.details["workdays"] == [[d.isoformat(), "调休上班"] for d in MAKEUP_2027]


def test_replacing_a_year(session: Session, service: CalendarService, admin: Actor) -> None:
    service.enter_year_text(admin, 2027, HOLIDAYS_2027, WORKDAYS_2027)
    corrected = HOLIDAYS_2027.replace("2027-01-01..2027-01-04 元旦", "2027-01-01..2027-01-03 元旦")
    service.enter_year_text(admin, 2027, corrected, "2027-02-20\n", "更正")

    arrangement = service.arrangement(2027)
    assert arrangement.record is not None and arrangement.record.note == "更正"
    assert arrangement.workdays == [(day("2027-02-20"), "调休上班")]
    assert len(arrangement.holidays) == HOLIDAY_COUNT_2027 - 1
    assert WorkingCalendar(session).is_workday(day("2027-01-04"))
    assert WorkingCalendar(session).is_workday(day("2027-01-09")) is False
    replaced = entered_events(session)[-1]
    assert replaced.details["replaced"] == "official"


def test_an_administrator_corrects_a_packaged_year(
    session: Session, service: CalendarService, admin: Actor
) -> None:
    holidays, workdays_2026 = service.arrangement(2026).holidays, service.arrangement(2026).workdays
    assert (day("2026-10-08"), "国庆节") not in holidays
    service.enter_year(admin, 2026, [*holidays, (day("2026-10-08"), "国庆节")], workdays_2026)

    assert session.get(CalendarYear, 2026).source is CalendarSource.OFFICIAL  # type: ignore[union-attr]
    assert WorkingCalendar(session).is_workday(day("2026-10-08")) is False
    (event,) = entered_events(session)
    assert event.details["replaced"] == "package"


def test_missing_statutory_holidays_may_be_allowed(service: CalendarService, admin: Actor) -> None:
    record = service.enter_year(
        admin, 2027, [(day("2027-01-01"), "元旦")], [], allow_missing_statutory=True
    )
    assert record.source is CalendarSource.OFFICIAL
    assert service.arrangement(2027).holidays == [(day("2027-01-01"), "元旦")]


def test_without_make_up_days(service: CalendarService, admin: Actor) -> None:
    service.enter_year(admin, 2027, statutory_holidays(2027), [])
    assert service.arrangement(2027).workdays == []


BAD_INPUT = [
    pytest.param(
        (
            2027,
            HOLIDAYS_2027 + "2026-12-31 元旦\n2028-01-01 元旦\n",
            "",
            {"holidays": ["2026-12-31 is not in 2027.", "2028-01-01 is not in 2027."]},
        ),
        id="days-outside-the-year",
    ),
    pytest.param(
        (
            2027,
            HOLIDAYS_2027,
            "2027-01-08\n2027-09-26\n2027-10-05 调休上班\n",
            {
                "workdays": [
                    "2027-01-08 is not a Saturday or a Sunday: only weekends can be worked.",
                    "2027-10-05 is not a Saturday or a Sunday: only weekends can be worked.",
                    "2027-10-05 is listed both as a holiday and as a make-up working day.",
                ]
            },
        ),
        id="make-up-day-on-a-weekday",
    ),
    pytest.param(
        (
            2027,
            HOLIDAYS_2027,
            "2027-10-02\n",
            {"workdays": ["2027-10-02 is listed both as a holiday and as a make-up working day."]},
        ),
        id="holiday-and-working-day",
    ),
    pytest.param(
        (
            2027,
            HOLIDAYS_2027.replace("2027-06-09 端午节\n", "").replace(
                "2027-05-01..", "2027-05-02.."
            ),
            WORKDAYS_2027,
            {
                "holidays": [
                    "Statutory holiday missing: 2027-05-01 劳动节.",
                    "Statutory holiday missing: 2027-06-09 端午节.",
                ]
            },
        ),
        id="statutory-holidays-missing",
    ),
    pytest.param(
        (
            2027,
            HOLIDAYS_2027 + "2027-10-01 国庆节\n2027-12-25\n",
            "",
            {
                "holidays": [
                    "Line 11: the holiday's name is missing.",
                    "2027-10-01 is listed twice.",
                ]
            },
        ),
        id="twice-and-no-name",
    ),
    pytest.param(
        (2003, "", "", {"year": ["Only the years 2004 to 2028 can be entered."]}), id="2003"
    ),
    pytest.param(
        (2029, "", "", {"year": ["Only the years 2004 to 2028 can be entered."]}), id="2029"
    ),
    pytest.param(
        (
            2027,
            "2027-01-01 元旦\n\n# comment\n2027-13-01 元旦\n2027-01-01\n2027/01/01 元旦\n"
            "2027-02-13..2027-02-05 春节\n2027-01-01..2027-03-01 春节\n",
            "tomorrow\n2027-01-09\n",
            {
                "holidays": [
                    "Line 4: not a valid date.",
                    "Line 5: the holiday's name is missing.",
                    'Line 6: "2027/01/01 元旦" is not a date (2027-01-01) or a range '
                    "(2027-02-05..2027-02-11) followed by a name.",
                    "Line 7: the range ends before it starts.",
                    "Line 8: a range may cover at most 31 days.",
                ],
                "workdays": [
                    'Line 1: "tomorrow" is not a date (2027-01-01) or a range '
                    "(2027-02-05..2027-02-11) followed by a name.",
                ],
            },
        ),
        id="malformed-lines",
    ),
    pytest.param(
        (
            2027,
            "2027-01-01 " + "元" * 101 + "\n2027-01-02 元旦\n2026-01-01 元旦",
            "2027-01-04",
            {
                "holidays": [
                    "2027-01-01: the name is longer than 100 characters.",
                    "2026-01-01 is not in 2027.",
                    *[
                        f"Statutory holiday missing: {d.isoformat()} {n}."
                        for d, n in statutory_holidays(2027)[1:]
                    ],
                ],
                "workdays": [
                    "2027-01-04 is not a Saturday or a Sunday: only weekends can be worked."
                ],
            },
        ),
        id="every-problem-at-once",
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_changes_nothing(
    session: Session,
    service: CalendarService,
    admin: Actor,
    hook_calls: list[tuple[int, Actor | None, bool]],
    case: tuple[int, str, str, dict[str, list[str]]],
) -> None:
    year, holidays, workdays_text, errors = case
    before = snapshot(session)
    with time_machine.travel(TODAY, tick=False), pytest.raises(CalendarInvalid) as raised:
        service.enter_year_text(admin, year, holidays, workdays_text)
    assert raised.value.errors == errors
    assert snapshot(session) == before
    assert hook_calls == []


def test_a_too_long_note_is_refused(
    session: Session, service: CalendarService, admin: Actor
) -> None:
    before = snapshot(session)
    with pytest.raises(CalendarInvalid) as raised:
        service.enter_year(admin, 2027, statutory_holidays(2027), [], "x" * 1001)
    assert raised.value.errors == {"note": ["The note is longer than 1000 characters."]}
    assert snapshot(session) == before


def test_a_failing_hook_undoes_everything(
    session: Session, service: CalendarService, admin: Actor
) -> None:
    def failing(session: Session, year: int, actor: Actor | None) -> None:
        raise RuntimeError("timer engine down")

    before = snapshot(session)
    service.on_year_entered = (*service.on_year_entered, failing)
    with pytest.raises(RuntimeError):
        service.enter_year_text(admin, 2027, HOLIDAYS_2027, WORKDAYS_2027)
    assert snapshot(session) == before


def test_the_years_and_what_is_provisional(service: CalendarService, admin: Actor) -> None:
    with time_machine.travel(TODAY, tick=False):
        assert service.provisional_years() == [2027]
        assert [y.year for y in service.years()] == list(range(2004, 2027))
        service.enter_year_text(admin, 2027, HOLIDAYS_2027, WORKDAYS_2027)
        assert service.provisional_years() == []
    with time_machine.travel(TODAY.replace(year=2027), tick=False):
        assert service.provisional_years() == [2028]


# -- the line format -----------------------------------------------------------------------


def test_parse_days() -> None:
    text = (
        "# 元旦\n2027-01-01..2027-01-03 元旦  # three days\n"
        "\n  2027-02-05 .. 2027-02-06   春节 除夕\n"
    )
    assert parse_days(text) == [
        (day("2027-01-01"), "元旦"),
        (day("2027-01-02"), "元旦"),
        (day("2027-01-03"), "元旦"),
        (day("2027-02-05"), "春节 除夕"),
        (day("2027-02-06"), "春节 除夕"),
    ]
    assert parse_days("2027-01-09\n", "workdays", default_name="调休上班") == [
        (day("2027-01-09"), "调休上班")
    ]


def test_parse_days_reports_every_line() -> None:
    with pytest.raises(CalendarInvalid) as raised:
        parse_days("2027-01-01\nnonsense\n2027-02-30 x\n", "holidays")
    assert [p.params["line"] for p in raised.value.problems] == [1, 2, 3]
    assert list(raised.value.errors) == ["holidays"]


def test_format_days_writes_ranges_that_parse_back() -> None:
    holidays = parse_days(HOLIDAYS_2027)
    text = format_days(holidays)
    assert text.splitlines()[:2] == ["2027-01-01..2027-01-04 元旦", "2027-02-05..2027-02-13 春节"]
    assert "2027-06-09 端午节" in text.splitlines()
    assert parse_days(text) == holidays
    assert format_days([]) == ""
