"""``flask --app wsgi calendar show | enter | seed``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.calendar.models import CalendarDay, CalendarSource, CalendarYear
from portal.core.extensions import db
from portal.core.models import AuditEvent
from tests.calendar.support import HOLIDAY_COUNT_2027, HOLIDAYS_2027, WORKDAYS_2027


def run(app: Flask, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["calendar", *args], input=input)


def stored_2027(app: Flask) -> tuple[CalendarSource | None, int]:
    with app.app_context():
        row = db.session.get(CalendarYear, 2027)
        days = db.session.scalar(
            sa.select(sa.func.count()).select_from(CalendarDay).where(CalendarDay.year == 2027)
        )
        return (row.source if row else None), int(days or 0)


def test_show_a_packaged_year(app: Flask) -> None:
    result = run(app, "show", "2026")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026: package (")
    assert "  2026-10-01 Thu 国庆节" in lines
    assert "  2026-10-10 Sat 调休上班" in lines
    assert lines.index("Make-up working days:") > lines.index("  2026-10-07 Wed 国庆节")


def test_show_a_provisional_year(app: Flask) -> None:
    result = run(app, "show", "2027")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2027: provisional (not entered: weekends and statutory holidays only)",
        "Holidays:",
        "  2027-01-01 Fri 元旦",
        "  2027-02-05 Fri 春节",
        "  2027-02-06 Sat 春节",
        "  2027-02-07 Sun 春节",
        "  2027-02-08 Mon 春节",
        "  2027-04-05 Mon 清明节",
        "  2027-05-01 Sat 劳动节",
        "  2027-05-02 Sun 劳动节",
        "  2027-06-09 Wed 端午节",
        "  2027-09-15 Wed 中秋节",
        "  2027-10-01 Fri 国庆节",
        "  2027-10-02 Sat 国庆节",
        "  2027-10-03 Sun 国庆节",
        "Make-up working days:",
        "  none",
    ]


def test_show_refuses_a_year_outside_the_calendar(app: Flask) -> None:
    result = run(app, "show", "1990")
    assert result.exit_code != 0
    assert "2004 to 2099" in result.output


def test_enter_a_year_from_files(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "holidays.txt").write_text(HOLIDAYS_2027, encoding="utf-8")
    (tmp_path / "workdays.txt").write_text(WORKDAYS_2027, encoding="utf-8")
    result = run(
        app,
        "enter",
        "2027",
        "--holidays",
        str(tmp_path / "holidays.txt"),
        "--workdays",
        str(tmp_path / "workdays.txt"),
        "--note",
        "国办发明电〔2026〕7号",
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Stored the official calendar of 2027: {HOLIDAY_COUNT_2027} holiday(s), "
        "5 make-up working day(s).\n"
    )
    assert stored_2027(app) == (CalendarSource.OFFICIAL, HOLIDAY_COUNT_2027 + 5)
    shown = run(app, "show", "2027").output
    assert shown.startswith("2027: official (entered ")
    assert "note: 国办发明电〔2026〕7号" in shown
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "calendar_year_entered")
        ).one()
        assert (event.actor_id, event.comment) == (None, "国办发明电〔2026〕7号")


def test_enter_reads_stdin(app: Flask) -> None:
    result = run(app, "enter", "2027", "--holidays", "-", input=HOLIDAYS_2027)
    assert result.exit_code == 0, result.output
    assert stored_2027(app) == (CalendarSource.OFFICIAL, HOLIDAY_COUNT_2027)


@pytest.mark.parametrize(
    ("holidays", "extra", "problems"),
    [
        (
            "2027-01-01 元旦\n2027-02-30 春节\n",
            [],
            [
                "  holidays: Line 2: not a valid date.",
            ],
        ),
        (
            HOLIDAYS_2027.replace("2027-09-15 中秋节\n", ""),
            ["--workdays", "-"],
            [
                "  holidays: Statutory holiday missing: 2027-09-15 中秋节.",
                "  workdays: 2027-01-08 is not a Saturday or a Sunday: "
                "only weekends can be worked.",
            ],
        ),
    ],
)
def test_enter_refuses_bad_input_with_every_problem(
    app: Flask, tmp_path: Path, holidays: str, extra: list[str], problems: list[str]
) -> None:
    (tmp_path / "holidays.txt").write_text(holidays, encoding="utf-8")
    result = run(
        app,
        "enter",
        "2027",
        "--holidays",
        str(tmp_path / "holidays.txt"),
        *extra,
        input="2027-01-08",
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: 2027 was not stored:", *problems]
    assert stored_2027(app) == (None, 0)


def test_enter_needs_the_holidays(app: Flask) -> None:
    result = run(app, "enter", "2027")
    assert result.exit_code == 2
    assert "--holidays" in result.output


def test_seed(app: Flask) -> None:
    with app.app_context():
        db.session.execute(sa.delete(CalendarDay).where(CalendarDay.year >= 2025))
        db.session.execute(sa.delete(CalendarYear).where(CalendarYear.year >= 2025))
        db.session.commit()
    result = run(app, "seed")
    assert result.exit_code == 0, result.output
    assert result.output == "Added 2 year(s) from the package: 2025, 2026.\n"
    again = run(app, "seed")
    assert again.output == "Every year of the package (2004-2026) is already stored.\n"
