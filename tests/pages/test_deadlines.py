"""How pages word and colour deadlines, in Chinese and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from portal.applications.models import Task, TaskState
from portal.pages.display import deadline_of, deadline_text, due_state, time_left_text
from tests.pages.refunds import CHINA, at

DUE = datetime(2026, 10, 11, tzinfo=CHINA)  # a working-day deadline: the end of 10 October


@pytest.fixture
def page(app: Flask) -> Iterator[None]:
    """A request context, as when a page renders (Chinese unless forced)."""
    with app.test_request_context("/"):
        yield


def task(due_at: datetime | None = DUE, **values: object) -> Task:
    return Task(due_at=due_at, state=values.pop("state", TaskState.OPEN), **values)


@pytest.mark.parametrize(
    ("due_at", "chinese", "english"),
    [
        (DUE, "截止 2026年10月10日 24:00", "By the end of 10 October 2026 (24:00)"),
        (
            datetime(2026, 10, 10, 16, tzinfo=UTC),
            "截止 2026年10月10日 24:00",
            "By the end of 10 October 2026 (24:00)",
        ),
        (
            datetime(2026, 10, 14, 9, 30, tzinfo=CHINA),
            "截止 2026年10月14日 09:30",
            "By 14 October 2026, 09:30",
        ),
        (
            datetime(2027, 1, 1, 0, 0, 1, tzinfo=CHINA),
            "截止 2027年1月1日 00:00",
            "By 1 January 2027, 00:00",
        ),
    ],
)
def test_a_midnight_deadline_is_the_end_of_the_day_before(
    page: None, due_at: datetime, chinese: str, english: str
) -> None:
    assert deadline_text(due_at) == chinese
    with force_locale("en"):
        assert deadline_text(due_at) == english


@pytest.mark.parametrize(
    ("before_due", "chinese", "english"),
    [
        (timedelta(days=2, hours=3), "剩余 2 天 3 小时", "2 days 3 hours left"),
        (timedelta(days=2, hours=3, minutes=59), "剩余 2 天 3 小时", "2 days 3 hours left"),
        (timedelta(days=1), "剩余 1 天", "1 day left"),
        (timedelta(days=3, minutes=5), "剩余 3 天", "3 days left"),
        (timedelta(hours=5, minutes=30), "剩余 5 小时 30 分钟", "5 hours 30 minutes left"),
        (timedelta(minutes=1), "剩余 1 分钟", "1 minute left"),
        (timedelta(seconds=59), "剩余 不到 1 分钟", "less than a minute left"),
        (timedelta(0), "已逾期 不到 1 分钟", "Overdue by less than a minute"),
        (-timedelta(hours=5), "已逾期 5 小时", "Overdue by 5 hours"),
        (-timedelta(days=1, hours=1), "已逾期 1 天 1 小时", "Overdue by 1 day 1 hour"),
    ],
)
def test_time_left_and_time_overdue(
    page: None, before_due: timedelta, chinese: str, english: str
) -> None:
    now = DUE - before_due
    assert time_left_text(DUE, now) == chinese
    with force_locale("en"):
        assert time_left_text(DUE, now) == english


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (DUE - timedelta(days=2), "on-time"),
        (DUE - timedelta(hours=24, seconds=1), "on-time"),
        (DUE - timedelta(hours=24), "due-soon"),
        (DUE - timedelta(seconds=1), "due-soon"),
        (DUE, "overdue"),
        (DUE + timedelta(days=3), "overdue"),
    ],
)
def test_deadline_states(now: datetime, state: str) -> None:
    assert due_state(task(), now) == state


def test_no_state_without_a_deadline_or_once_closed() -> None:
    assert due_state(task(None), DUE) == ""
    assert due_state(task(state=TaskState.COMPLETED), DUE + timedelta(days=1)) == ""


RENDER = (
    '{% from "macros/deadlines.html" import deadline %}{{ deadline(deadline_of(task), escalated) }}'
)


@pytest.mark.parametrize(
    ("moment", "css", "words"),
    [
        ((2026, 10, 8, 9), "deadline-on-time", "剩余 2 天 15 小时"),
        ((2026, 10, 10, 9), "deadline-due-soon", "即将到期 剩余 15 小时"),
        ((2026, 10, 11, 5), "deadline-overdue", "已逾期 5 小时"),
    ],
)
def test_the_deadline_block_says_its_state_in_words_and_colour(
    page: None, moment: tuple[int, ...], css: str, words: str
) -> None:
    with at(*moment):
        html = render_template_string(RENDER, task=task(), escalated=False)
    assert f'class="deadline {css}"' in html
    assert "截止 2026年10月10日 24:00" in html
    assert words in " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "暂定" not in html and "督办" not in html


def test_a_provisional_deadline_is_marked_and_explained(page: None) -> None:
    provisional = task(datetime(2027, 1, 6, tzinfo=CHINA), due_provisional=True)
    with at(2026, 12, 30, 10):
        view = deadline_of(provisional)
        html = render_template_string(RENDER, task=provisional, escalated=True)
    assert view is not None and view.provisional
    assert ">暂定</span>" in html
    assert 'title="该年度的官方节假日安排尚未公布：办理时限暂按周末和法定节假日计算' in html
    assert "截止 2027年1月5日 24:00" in html
    assert ">督办</span>" in html
    with force_locale("en"), at(2026, 12, 30, 10):
        english = render_template_string(RENDER, task=provisional, escalated=True)
    assert ">Provisional</span>" in english
    assert "has not been published yet" in english
    assert ">Escalated</span>" in english
