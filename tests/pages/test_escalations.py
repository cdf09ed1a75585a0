"""Who sees the overdue, escalated tasks 逾期督办, and the read-only supervision page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.accounts.models import Role
from tests.helpers import Api, Factory, refund_data
from tests.pages.conftest import People
from tests.pages.refunds import api_submitted, at, escalation_ids, row_of, tick
from tests.pages.support import signed_in, task_ids, text


@pytest.fixture
def hunan_refund(app: Flask, api: Api, people: People, cinema_code: str) -> dict[str, Any]:
    """A refund submitted on 30 September; Hunan's review is escalated on 11 October."""
    with at(2026, 9, 30, 10):
        return api_submitted(api.as_user(people.cinema), refund_data(cinema_code))


@pytest.fixture
def guangdong_refund(app: Flask, api: Api, factory: Factory, people: People) -> dict[str, Any]:
    """A Guangzhou cinema's refund, submitted at the same moment."""
    cinema = factory.applicant(username="gzcinema")
    with at(2026, 9, 1, 9):
        registered = api.as_user(cinema).submitted_cinema_application(
            name="羊城影城", address="广东省广州市越秀区北京路1号", division_code="440104"
        )
        decided = api.as_user(people.guangdong).decide(registered["id"], "approve")
        code = decided.get_json()["result"]["cinema_code"]
    with at(2026, 9, 30, 10):
        return api_submitted(api.as_user(cinema), refund_data(code))


def escalate(app: Flask) -> None:
    with at(2026, 10, 11, 0, 0):
        tick(app)


def test_escalations_follow_the_scope(
    app: Flask, hunan_refund: dict[str, Any], guangdong_refund: dict[str, Any]
) -> None:
    escalate(app)
    with at(2026, 10, 11, 9):
        hunan = signed_in(app, "hunan").get("/review/")
        guangdong = signed_in(app, "guangdong").get("/review/")
        national = signed_in(app, "national").get("/review/")

    assert hunan_refund["number"] in text(hunan) and guangdong_refund["number"] not in text(hunan)
    assert 'id="escalated-title"' in hunan.get_data(as_text=True)
    assert escalation_ids(hunan) == []  # its own: the task page, where it decides
    assert guangdong_refund["number"] in text(guangdong)
    assert hunan_refund["number"] not in text(guangdong)

    assert task_ids(national) == []
    assert len(escalation_ids(national)) == 2
    for refund, province in ((hunan_refund, "湖南省"), (guangdong_refund, "广东省")):
        row = row_of(national, refund["number"])
        assert "deadline-overdue" in row and "badge-escalated" in row
        assert f"{province} 省级电影主管部门" in row
    assert "由承办单位办理" in text(national)


def test_the_supervision_page_is_read_only_and_scoped(
    app: Flask, hunan_refund: dict[str, Any], guangdong_refund: dict[str, Any]
) -> None:
    escalate(app)
    with at(2026, 10, 11, 9):
        national = signed_in(app, "national")
        hunan_task = signed_in(app, "hunan")
        (task_id,) = task_ids(hunan_task.get("/review/"))
        page = national.get(f"/review/escalations/{task_id}")
        assert page.status_code == 200
        body = text(page)
        assert hunan_refund["number"] in body
        assert "由湖南省 省级电影主管部门办理" in body
        assert "已逾期 9 小时" in body
        assert "file.pdf" in body
        assert 'action="/review/tasks/' not in page.get_data(as_text=True)

        # The province reviewer follows its own; another province finds nothing.
        assert hunan_task.get(f"/review/escalations/{task_id}").status_code == 200
        assert signed_in(app, "guangdong").get(f"/review/escalations/{task_id}").status_code == 404
        assert signed_in(app, "cinema").get(f"/review/escalations/{task_id}").status_code == 403

        # Once decided it stays readable, marked completed, and leaves the lists.
        hunan_task.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
        after = national.get(f"/review/escalations/{task_id}")
        assert "此任务已办结" in text(after)
        assert "电影资金办终审" in text(after)
        assert task_id not in escalation_ids(national.get("/review/"))


def test_a_task_not_escalated_has_no_supervision_page(
    app: Flask, hunan_refund: dict[str, Any]
) -> None:
    with at(2026, 10, 10, 23):
        hunan = signed_in(app, "hunan")
        (task_id,) = task_ids(hunan.get("/review/"))
        assert signed_in(app, "national").get(f"/review/escalations/{task_id}").status_code == 404
        assert hunan.get(f"/review/escalations/{task_id}").status_code == 404
        assert 'id="escalated-title"' not in hunan.get("/review/").get_data(as_text=True)


def test_inbox_and_supervision_in_english(
    app: Flask, factory: Factory, hunan_refund: dict[str, Any]
) -> None:
    escalate(app)
    factory.staff(Role.NATIONAL_REVIEWER, username="national2")
    with at(2026, 10, 11, 5):
        hunan = signed_in(app, "hunan")
        hunan.get("/lang/en")
        inbox = text(hunan.get("/review/"))
        assert "By the end of 10 October 2026 (24:00)" in inbox
        assert "Overdue by 5 hours" in inbox
        assert "Escalated" in inbox and "Overdue and escalated" in inbox
        assert "Key to deadlines" in inbox and "Due within 24 hours (yellow)." in inbox
        national = signed_in(app, "national2")
        national.get("/lang/en")
        (task_id,) = escalation_ids(national.get("/review/"))
        page = text(national.get(f"/review/escalations/{task_id}"))
        assert "read-only" in page
        assert "Overdue: escalated for supervision" in page
        assert "截止" not in page and "督办" not in page
