"""The administrator's working-calendar page: /admin/calendar."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.accounts.models import Role
from portal.calendar.models import CalendarDay, CalendarYear
from portal.core.extensions import db
from portal.core.models import AuditEvent
from tests.calendar.support import HOLIDAYS_2027, TODAY, WORKDAYS_2027
from tests.helpers import Factory
from tests.pages.support import count, signed_in, text


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """2026-11-22 in China: next year is 2027, not entered."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def admin_client(app: Flask, factory: Factory) -> FlaskClient:
    factory.staff(Role.ADMIN, username="root")
    return signed_in(app, "root")


def textarea(response: TestResponse, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert match, name
    return match.group(1).strip()


def post(client: FlaskClient, **fields: str) -> TestResponse:
    data = {"year": "2027", "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "note": ""}
    return client.post("/admin/calendar", data={**data, **fields})


def test_only_administrators(app: Flask, client: FlaskClient, factory: Factory) -> None:
    assert client.get("/admin/calendar").status_code == 302  # to the sign-in page
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    reviewer = signed_in(app, "hunan")
    assert reviewer.get("/admin/calendar").status_code == 403
    assert post(reviewer).status_code == 403
    assert count(app, CalendarDay) > 0
    assert app.test_client().get("/admin/calendar?year=2027").status_code == 302


def test_the_page_lists_years_and_prefills_next_year(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/calendar")
    assert page.status_code == 200
    body = text(page)
    assert "工作日历" in body
    assert 'href="/admin/calendar"' in page.text and 'aria-current="page"' in page.text
    assert "2027 暂定：按法定节假日推算" in body
    assert "2026 官方安排（chinese-calendar 数据包）" in body
    assert "2004 官方安排（chinese-calendar 数据包）" in body
    assert "2027 年尚未录入" in body
    assert "2027-02-05 星期五 春节" in body
    assert textarea(page, "holidays").splitlines() == [
        "2027-01-01 元旦",
        "2027-02-05..2027-02-08 春节",
        "2027-04-05 清明节",
        "2027-05-01..2027-05-02 劳动节",
        "2027-06-09 端午节",
        "2027-09-15 中秋节",
        "2027-10-01..2027-10-03 国庆节",
    ]
    assert textarea(page, "workdays") == ""
    assert 'name="year"' in page.text and 'value="2027"' in page.text
    assert 'name="csrf_token"' in page.text


def test_a_known_year(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/calendar?year=2026")
    body = text(page)
    assert "2026-10-10 星期六 调休上班" in body
    assert "2026-10-07 星期三 国庆节" in body
    assert "2026-10-01..2026-10-07 国庆节" in textarea(page, "holidays")
    assert "2026-10-10 调休上班" in textarea(page, "workdays")


def test_the_page_in_english(admin_client: FlaskClient) -> None:
    admin_client.get("/lang/en")
    body = text(admin_client.get("/admin/calendar?year=2026"))
    assert "Working calendar" in body
    assert "Official arrangement from the chinese-calendar package" in body
    assert "2026-10-10 Saturday 调休上班" in body


@pytest.mark.parametrize("year", ["1990", "2100"])
def test_years_outside_the_calendar_are_not_found(admin_client: FlaskClient, year: str) -> None:
    assert admin_client.get(f"/admin/calendar?year={year}").status_code == 404


def test_entering_a_year_through_the_form(app: Flask, admin_client: FlaskClient) -> None:
    response = post(admin_client, note="国办发明电〔2026〕7号")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/calendar?year=2027"
    page = admin_client.get("/admin/calendar?year=2027")
    body = text(page)
    assert "已保存 2027 年工作日历。" in body
    assert "2027 官方安排（管理员录入）" in body
    assert "国办发明电〔2026〕7号" in body
    assert "2027-01-09 星期六 调休上班" in body
    assert "2027 年尚未录入" not in body
    assert "2027-01-01..2027-01-04 元旦" in textarea(page, "holidays")
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "calendar_year_entered")
        ).one()
        assert (event.actor_name, event.details["year"]) == ("root", 2027)


def test_errors_are_shown_beside_their_fields(app: Flask, admin_client: FlaskClient) -> None:
    years, days = count(app, CalendarYear), count(app, CalendarDay)
    response = post(
        admin_client,
        holidays=HOLIDAYS_2027.replace("2027-06-09 端午节", "2027-06-09"),
        workdays="2027-01-08\n",
        note="x" * 1001,
    )
    assert response.status_code == 200
    body = text(response)
    assert "工作日历未作更改" in body
    assert "第 6 行：缺少节日名称。" in body
    assert "2027-01-08 不是周六或周日：只有周末才能安排调休上班。" in body
    assert "备注超过 1000 个字符。" in body
    assert 'id="holidays-error"' in response.text and 'id="workdays-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "2027-06-09" in textarea(response, "holidays")  # what was typed is kept
    assert (count(app, CalendarYear), count(app, CalendarDay)) == (years, days)


def test_missing_statutory_holidays_are_listed(admin_client: FlaskClient) -> None:
    response = post(admin_client, holidays="2027-01-01 元旦\n")
    body = text(response)
    assert "缺少法定节假日：2027-02-05 春节。" in body
    assert "缺少法定节假日：2027-10-03 国庆节。" in body

    allowed = post(admin_client, holidays="2027-01-01 元旦\n", allow_missing_statutory="y")
    assert allowed.status_code == 302


@pytest.mark.parametrize(
    ("year", "message"),
    [("2029", "只能录入 2004 年至 2028 年。"), ("", "请输入年份。"), ("abc", "不是有效的整数。")],
)
def test_a_bad_year(admin_client: FlaskClient, year: str, message: str) -> None:
    response = post(admin_client, year=year, holidays="", workdays="")
    assert response.status_code == 200
    assert f"年份 * {message}" in text(response)
