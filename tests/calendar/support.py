"""An invented, plausible official arrangement for 2027 (the package has no 2027 data)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

CHINA = ZoneInfo("Asia/Shanghai")
# "Today" for the tests that depend on it: next year is 2027, 2028 the last enterable year.
TODAY = datetime(2026, 11, 22, 10, 0, tzinfo=CHINA)

HOLIDAYS_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (invented for the tests)
2027-01-01..2027-01-04 元旦
2027-02-05..2027-02-13 春节
2027-04-03..2027-04-05 清明节
2027-05-01..2027-05-05 劳动节
2027-06-09 端午节

2027-09-15 中秋节
2027-10-01..2027-10-07 国庆节
"""
WORKDAYS_2027 = """\
2027-01-09
2027-02-20 调休上班
2027-05-08
2027-09-26  # a Sunday
2027-10-09
"""
MAKEUP_2027 = [
    date(2027, 1, 9),
    date(2027, 2, 20),
    date(2027, 5, 8),
    date(2027, 9, 26),
    date(2027, 10, 9),
]
HOLIDAY_COUNT_2027 = 4 + 9 + 3 + 5 + 1 + 1 + 7


def day(text: str) -> date:
    return date.fromisoformat(text)


def china(text: str) -> datetime:
    """A China-time instant from "2026-09-30 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


@contextmanager
def count_statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's engine runs inside the block."""
    statements: list[str] = []

    def remember(*args: Any) -> None:
        statements.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)
