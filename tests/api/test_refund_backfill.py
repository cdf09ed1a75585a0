"""Refund and backfill approval end to end, with time moved (000 §二(五)).

The clock is moved with time-machine; the scheduler runs as production runs
it, through ``flask --app wsgi tick``. API tokens last 12 hours, so each
moment signs the actors in afresh.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from portal.accounts.models import Role, User
from portal.applications.timers import year_hooks
from portal.calendar.services import CalendarService
from portal.cinemas.models import Cinema, CinemaStatus
from portal.core.extensions import db, processes
from tests.helpers import Api, Factory, backfill_data, minimal_pdf, refund_data

CHINA = ZoneInfo("Asia/Shanghai")
APPS = "/api/v1/applications"


@contextmanager
def at(*moment: int) -> Iterator[None]:
    with time_machine.travel(datetime(*moment, tzinfo=CHINA), tick=False):
        yield


@dataclass
class Cast:
    app: Flask
    api: Api
    cinema: User
    hunan: User
    national: User

    def as_(self, user: User) -> Api:
        return self.api.as_user(user)

    def tick(self) -> str:
        result = self.app.test_cli_runner().invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        return result.output.strip()


@pytest.fixture
def cast(app: Flask, api: Api, factory: Factory) -> Cast:
    return Cast(
        app=app,
        api=api,
        cinema=factory.applicant(),
        hunan=factory.staff(Role.PROVINCIAL_REVIEWER, "43"),
        national=factory.staff(Role.NATIONAL_REVIEWER),
    )


@pytest.fixture
def cinema_code(cast: Cast) -> str:
    """A cinema in Furong district (Hunan), registered and approved in September."""
    with at(2026, 9, 1, 9):
        registered = cast.as_(cast.cinema).submitted_cinema_application()
        decided = cast.as_(cast.hunan).decide(registered["id"], "approve")
    return str(decided.get_json()["result"]["cinema_code"])


def apply(client: Api, data: dict[str, Any]) -> Any:
    """Create, attach the evidence and submit; returns the submit response."""
    created = client.post(APPS, json={"process": "refund_backfill", "data": data})
    assert created.status_code == 201, created.get_json()
    application_id = created.get_json()["id"]
    uploaded = client.client.post(
        f"{APPS}/{application_id}/documents",
        data={"slot": "evidence", "file": (io.BytesIO(minimal_pdf()), "停电通知.pdf")},
        headers={"Authorization": f"Bearer {client.token}"},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    return client.post(f"{APPS}/{application_id}/submit")


def submitted(client: Api, data: dict[str, Any]) -> dict[str, Any]:
    response = apply(client, data)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def messages_about(client: Api, application: dict[str, Any]) -> list[dict[str, Any]]:
    """The organisation's messages about ``application`` (not its cinema's registration)."""
    items = client.get("/api/v1/notifications").get_json()["items"]
    return [n for n in items if n["application_id"] == application["id"]]


def only_task(client: Api, application_id: str) -> dict[str, Any]:
    return client.open_task(application_id)


def status(client: Api, application_id: str) -> str:
    return str(client.get(f"{APPS}/{application_id}").get_json()["status"])


def test_review_deadline_is_three_working_days_then_escalated(cast: Cast, cinema_code: str) -> None:
    with at(2026, 9, 30, 10):
        application = submitted(cast.as_(cast.cinema), refund_data(cinema_code))
        assert application["number"].startswith("TPBD-2026-")
        task = only_task(cast.as_(cast.hunan), application["id"])
        # 1-7 October are National Day; 8 and 9 October working days; Saturday
        # 10 October a make-up working day: due by the end of 10 October.
        assert task["due_at"] == "2026-10-11T00:00:00+08:00"
        assert task["due_provisional"] is False
        assert task["overdue"] is False
        seen_by_cinema = cast.as_(cast.cinema).get(f"{APPS}/{application['id']}").get_json()
        assert seen_by_cinema["tasks"][0]["due_at"] == "2026-10-11T00:00:00+08:00"

    with at(2026, 10, 10, 23, 59, 59):
        assert cast.tick() == "0 timer(s) fired"
        assert only_task(cast.as_(cast.hunan), application["id"])["overdue"] is False
        assert cast.as_(cast.national).get("/api/v1/escalations").get_json()["items"] == []

    with at(2026, 10, 11, 0, 0, 0):
        hunan = cast.as_(cast.hunan)
        assert only_task(hunan, application["id"])["overdue"] is True
        assert cast.tick() == "1 timer(s) fired"
        assert cast.tick() == "0 timer(s) fired"
        task = only_task(hunan, application["id"])
        assert task["escalated"] is True
        national = cast.as_(cast.national)
        (escalated,) = national.get("/api/v1/escalations").get_json()["items"]
        assert escalated["id"] == task["id"]
        assert escalated["role"] == "provincial_reviewer"
        # The national level follows it but cannot decide it for the province.
        assert (
            national.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}).status_code
            == 404
        )
        assert national.get(f"{APPS}/{application['id']}").status_code == 200
        history = [
            h["action"] for h in hunan.get(f"{APPS}/{application['id']}").get_json()["history"]
        ]
        assert history.count("escalated") == 1

        # Late, the province can still decide.
        decided = hunan.decide(application["id"], "approve")
        assert decided.status_code == 200, decided.get_json()
        assert [t["role"] for t in decided.get_json()["tasks"]] == ["national_reviewer"]


def test_a_refund_goes_to_national_final_review_and_is_confirmed_at_47_hours(
    cast: Cast, cinema_code: str
) -> None:
    with at(2026, 10, 12, 9):
        application = submitted(cast.as_(cast.cinema), refund_data(cinema_code))
        after_province = cast.as_(cast.hunan).decide(application["id"], "approve").get_json()
        assert after_province["status"] == "submitted"
        assert [t["role"] for t in after_province["tasks"]] == ["national_reviewer"]

    with at(2026, 10, 13, 10):
        final = cast.as_(cast.national).decide(application["id"], "approve").get_json()
        assert final["status"] == "approved"
        (confirm,) = final["tasks"]
        assert confirm["role"] == "applicant"
        assert confirm["due_at"] == "2026-10-15T10:00:00+08:00"
        cinema = cast.as_(cast.cinema)
        (opened,) = messages_about(cinema, application)
        assert opened["kind"] == "window_opened"
        assert application["number"] in opened["message"]

    with at(2026, 10, 15, 9):  # 47 hours after the final approval
        assert cast.tick() == "1 timer(s) fired"  # the 42-hour reminder
        cinema = cast.as_(cast.cinema)
        kinds = [n["kind"] for n in messages_about(cinema, application)]
        assert kinds == ["window_closing", "window_opened"]
        task = only_task(cinema, application["id"])
        done = cinema.post(
            f"/api/v1/tasks/{task['id']}/complete",
            json={"data": {"done": True, "note": "已在票务软件中退票3张"}},
        )
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["status"] == "approved"
        assert done.get_json()["tasks"] == []

    with at(2026, 10, 15, 11):  # past 48 hours: nothing left to lapse
        assert cast.tick() == "0 timer(s) fired"
        assert status(cast.as_(cast.cinema), application["id"]) == "approved"


def test_a_refund_the_province_approved_cannot_be_withdrawn(cast: Cast, cinema_code: str) -> None:
    """Nobody has claimed the national review yet, but the province has decided."""
    with at(2026, 10, 12, 9):
        application = submitted(cast.as_(cast.cinema), refund_data(cinema_code))
        cast.as_(cast.hunan).decide(application["id"], "approve")

        response = cast.as_(cast.cinema).post(f"/api/v1/applications/{application['id']}/withdraw")

        assert response.status_code == 409
        assert status(cast.as_(cast.cinema), application["id"]) == "submitted"
        assert only_task(cast.as_(cast.national), application["id"])["role"] == "national_reviewer"


def test_a_backfill_is_final_at_the_province_and_lapses_at_49_hours(
    cast: Cast, cinema_code: str
) -> None:
    with at(2026, 10, 12, 9):
        application = submitted(cast.as_(cast.cinema), backfill_data(cinema_code))
        decided = cast.as_(cast.hunan).decide(application["id"], "approve").get_json()
        assert decided["status"] == "approved"
        assert [t["role"] for t in decided["tasks"]] == ["applicant"]
        confirm = decided["tasks"][0]

    with at(2026, 10, 14, 10):  # 49 hours after the approval, never confirmed
        assert cast.tick() == "2 timer(s) fired"  # the reminder, then the lapse
        cinema = cast.as_(cast.cinema)
        assert status(cinema, application["id"]) == "lapsed"
        kinds = [n["kind"] for n in messages_about(cinema, application)]
        assert set(kinds) == {"window_opened", "window_closing", "window_closed"}
        late = cinema.post(f"/api/v1/tasks/{confirm['id']}/complete", json={"data": {"done": True}})
        assert late.status_code == 409
        assert status(cinema, application["id"]) == "lapsed"


def test_the_confirmation_must_say_it_was_done(cast: Cast, cinema_code: str) -> None:
    with at(2026, 10, 12, 9):
        application = submitted(cast.as_(cast.cinema), backfill_data(cinema_code))
        cast.as_(cast.hunan).decide(application["id"], "approve")
        cinema = cast.as_(cast.cinema)
        task = only_task(cinema, application["id"])
        refused = cinema.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"data": {"done": False}}
        )
        assert refused.status_code == 422
        assert "done" in refused.get_json()["errors"]
        assert status(cinema, application["id"]) == "approved"


def test_a_deadline_in_a_year_not_yet_entered_is_provisional_then_recounted(
    cast: Cast, cinema_code: str, app: Flask
) -> None:
    with at(2026, 12, 30, 10):
        application = submitted(
            cast.as_(cast.cinema),
            refund_data(
                cinema_code,
                show_start="2026-12-29T19:00:00+08:00",
                show_end="2026-12-29T21:00:00+08:00",
            ),
        )
        task = only_task(cast.as_(cast.hunan), application["id"])
        # 31 Dec; 1 Jan 2027 New Year's Day (by law); weekend; 4 and 5 Jan.
        assert task["due_at"] == "2027-01-06T00:00:00+08:00"
        assert task["due_provisional"] is True

        with app.app_context():
            CalendarService(
                db.session, on_year_entered=year_hooks(processes.platform)
            ).enter_year_text(
                None,
                2027,
                "2027-01-01..2027-01-04 元旦\n2027-02-05..2027-02-11 春节\n"
                "2027-04-05 清明节\n2027-05-01..2027-05-05 劳动节\n2027-06-09 端午节\n"
                "2027-09-15 中秋节\n2027-10-01..2027-10-07 国庆节\n",
                "2027-01-09\n2027-02-20\n2027-10-09\n",
                allow_missing_statutory=True,
            )
        task = only_task(cast.as_(cast.hunan), application["id"])
        # 31 Dec; 1-4 Jan holidays; 5 and 6 Jan: due by the end of 6 January.
        assert task["due_at"] == "2027-01-07T00:00:00+08:00"
        assert task["due_provisional"] is False
        history = cast.as_(cast.cinema).get(f"{APPS}/{application['id']}").get_json()["history"]
        recounted = [h for h in history if h["action"] == "deadline_recounted"]
        assert len(recounted) == 1
        assert datetime.fromisoformat(recounted[0]["details"]["now"]) == datetime(
            2027, 1, 7, tzinfo=CHINA
        )

    with at(2027, 1, 7, 0, 0, 1):
        assert cast.tick() == "1 timer(s) fired"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"show_start": "2026-10-12T19:00:00+08:00", "show_end": "2026-10-12T21:00:00+08:00"},
            "show_end",
            "场次结束前的退票请直接在电影院票务软件中办理",
        ),
        ({"show_end": "2026-09-29T18:00:00+08:00"}, "show_end", "散场时间须晚于开场时间"),
        ({"kind": "backfill", "sale_date": "2026-10-08"}, "sale_date", "七日内售出的备用票"),
        ({"kind": "backfill", "sale_date": "2026-10-20"}, "sale_date", "售出日期不能晚于今天"),
        ({"kind": "backfill"}, "sale_date", ""),
        ({"cinema_code": "43999999"}, "cinema_code", "本单位没有使用此编码的已注册电影院"),
    ],
)
def test_what_needs_no_approval_is_refused_with_an_explanation(
    cast: Cast, cinema_code: str, overrides: dict[str, Any], field: str, message: str
) -> None:
    with at(2026, 10, 12, 10):
        client = cast.as_(cast.cinema)
        response = apply(client, refund_data(cinema_code, **overrides))
        assert response.status_code == 422
        errors = response.get_json()["errors"]
        assert field in errors, errors
        assert message in " ".join(errors[field])
        drafts = client.get(APPS).get_json()["items"]
        assert {a["status"] for a in drafts if a["process"] == "refund_backfill"} == {"draft"}
        assert cast.as_(cast.hunan).get("/api/v1/tasks").get_json()["items"] == []


def test_another_organisations_cinema_cannot_be_used(
    cast: Cast, cinema_code: str, factory: Factory
) -> None:
    with at(2026, 10, 12, 10):
        stranger = cast.as_(factory.applicant())
        response = apply(stranger, refund_data(cinema_code))
        assert response.status_code == 422
        assert "cinema_code" in response.get_json()["errors"]


@pytest.mark.parametrize("closed", [CinemaStatus.SUSPENDED, CinemaStatus.CLOSED])
def test_a_suspended_or_closed_cinema_cannot_apply(
    cast: Cast, cinema_code: str, app: Flask, closed: CinemaStatus
) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Cinema).where(Cinema.code == cinema_code).values(status=closed)
        )
        db.session.commit()
    with at(2026, 10, 12, 10):
        response = apply(cast.as_(cast.cinema), refund_data(cinema_code))
        assert response.status_code == 422
        assert "暂停或终止经营" in " ".join(response.get_json()["errors"]["cinema_code"])
