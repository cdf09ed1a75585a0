"""The applicant's messages 消息 and own tasks: the unread badge, reading, the task page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.applications.models import Task
from portal.core.extensions import db
from tests.helpers import Api, Factory, backfill_data
from tests.pages.conftest import People
from tests.pages.refunds import api_submitted, applicant_task_ids, at, tick
from tests.pages.support import signed_in, task_ids, text


@pytest.fixture
def approved_backfill(app: Flask, api: Api, people: People, cinema_code: str) -> dict[str, Any]:
    """A backfill approved by Hunan on 12 October 2026 at 09:00: the cinema has 48 hours."""
    with at(2026, 10, 12, 9):
        application = api_submitted(api.as_user(people.cinema), backfill_data(cinema_code))
        api.as_user(people.hunan).decide(application["id"], "approve")
    return application


def badge(page_html: str) -> str | None:
    found = re.search(r'<span class="nav-count" aria-hidden="true">(\d+)</span>', page_html)
    return found.group(1) if found else None


@contextmanager
def counting_queries(app: Flask, table: str) -> Iterator[list[str]]:
    """The SQL statements that mention ``table`` while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if table in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_unread_badge_and_reading_the_messages(
    app: Flask, factory: Factory, people: People, approved_backfill: dict[str, Any]
) -> None:
    with at(2026, 10, 12, 10):
        cinema = signed_in(app, "cinema")
        with counting_queries(app, "notifications") as queries:
            dashboard = cinema.get("/applicant/").get_data(as_text=True)
        assert len(queries) == 1
        # The backfill's approval, and the registration of its cinema before.
        assert badge(dashboard) == "2"
        assert "（2 条未读）" in dashboard

        page = cinema.get("/applicant/notifications")
        assert page.status_code == 200
        body = text(page)
        assert f"申请 {approved_backfill['number']} 已审批通过" in body
        assert "未读" in body
        assert f'href="/applicant/applications/{approved_backfill["id"]}"' in page.get_data(
            as_text=True
        )
        assert badge(page.get_data(as_text=True)) is None  # shown, so read

        assert badge(cinema.get("/applicant/").get_data(as_text=True)) is None
        assert "message-unread" not in cinema.get("/applicant/notifications").get_data(as_text=True)

        colleague = factory.colleague(people.cinema, username="colleague")
        assert colleague.organization_id == people.cinema.organization_id
        stranger = factory.applicant(username="stranger")
        assert stranger.organization_id != people.cinema.organization_id
        assert "暂无消息" in text(signed_in(app, "stranger").get("/applicant/notifications"))
        assert approved_backfill["number"] in text(
            signed_in(app, "colleague").get("/applicant/notifications")
        )


def test_reviewers_have_no_messages_page(app: Flask, people: People) -> None:
    hunan = signed_in(app, "hunan")
    assert hunan.get("/applicant/notifications").status_code == 403
    assert 'class="nav-count"' not in hunan.get("/review/").get_data(as_text=True)


def test_another_organisations_task_page_is_not_found(
    app: Flask, factory: Factory, approved_backfill: dict[str, Any]
) -> None:
    with at(2026, 10, 12, 10):
        (task_id,) = applicant_task_ids(
            signed_in(app, "cinema").get(f"/applicant/applications/{approved_backfill['id']}")
        )
        factory.applicant(username="intruder")
        intruder = signed_in(app, "intruder")
        for response in (
            intruder.get(f"/applicant/tasks/{task_id}"),
            intruder.post(f"/applicant/tasks/{task_id}", data={"done": "y"}),
        ):
            assert response.status_code == 404
            assert "页面不存在" in text(response)
        assert signed_in(app, "hunan").get(f"/applicant/tasks/{task_id}").status_code == 403


def test_the_application_form_task_leads_to_the_edit_page(app: Flask, people: People) -> None:
    cinema = signed_in(app, "cinema")
    edit_url = cinema.post("/applicant/new/refund_backfill").headers["Location"]
    dashboard = cinema.get("/applicant/")
    assert "待办" in text(dashboard)
    assert "填报退票或补登申请" in text(dashboard)
    assert f'href="{edit_url}"' in dashboard.get_data(as_text=True)
    with app.app_context():
        (fill_in,) = db.session.scalars(sa.select(Task.id)).all()
    response = cinema.get(f"/applicant/tasks/{fill_in}")
    assert response.status_code == 302
    assert response.headers["Location"] == edit_url


def test_applicant_pages_in_english(
    app: Flask, people: People, approved_backfill: dict[str, Any]
) -> None:
    with at(2026, 10, 12, 10):
        cinema: FlaskClient = signed_in(app, "cinema")
        cinema.get("/lang/en")
        url = f"/applicant/applications/{approved_backfill['id']}"
        progress = text(cinema.get(url))
        assert "Waiting for you: Confirm the refund or backfill was carried out" in progress
        assert "confirm it here by 14 October 2026, 09:00" in progress
        assert "1 day 23 hours left" in progress
        assert "Confirm now" in progress
        assert "Messages 2 (2 unread messages)" in progress
        dashboard = text(cinema.get("/applicant/"))
        assert "To do" in dashboard and "By 14 October 2026, 09:00" in dashboard
        (task_id,) = applicant_task_ids(cinema.get(url))
        form = text(cinema.get(f"/applicant/tasks/{task_id}"))
        assert "must carry out the refund or backfill in its ticketing software" in form
        assert "The refund or backfill has been carried out" in form
        messages = text(cinema.get("/applicant/notifications"))
        assert f"Application {approved_backfill['number']} is approved." in messages
        assert "New" in messages
    with at(2026, 10, 14, 10):
        tick(app)
        cinema = signed_in(app, "cinema")
        cinema.get("/lang/en")
        lapsed = text(cinema.get(url))
        assert "The approval has lapsed" in lapsed
        assert "Start a new application" in lapsed
        assert "already completed" not in lapsed
        hunan = signed_in(app, "hunan")
        assert task_ids(hunan.get("/review/")) == []
