"""Every step states its promised time limit 承诺时限 next to its due moment (in
the legal unit its deadline timer counted, or what the step commits to), and the
applicant's progress page shows the step bar of the process."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import OrgType
from portal.applications.definitions import model_of
from portal.applications.models import ProcessDefinition
from portal.applications.progress import main_steps
from portal.core.extensions import db
from tests.helpers import Api, Factory, backfill_data, refund_data
from tests.pages.conftest import People
from tests.pages.refunds import api_submitted, applicant_task_ids, at, row_of
from tests.pages.support import signed_in, task_ids, text
from tests.processes.cast import Zhengzhou
from tests.processes.conftest import published, zhengzhou
from tests.processes.test_pilot_admission import decide, submitted

__all__ = ["published", "zhengzhou"]


def english(client: FlaskClient) -> FlaskClient:
    client.get("/lang/en")
    return client


def progress_url(application: dict[str, Any]) -> str:
    return f"/applicant/applications/{application['id']}"


def bar(page: Any) -> list[tuple[str, str]]:
    """The step bar as (step name, state) pairs."""
    found = re.search(r'<nav class="step-bar".*?</nav>', page.get_data(as_text=True), flags=re.S)
    assert found, "no step bar"
    return [
        (html.unescape(re.sub(r"\s+", " ", name).strip()), state)
        for state, name in re.findall(
            r'<li class="step step-(\w+)".*?<span class="step-name">(.*?)</span>',
            found.group(0),
            flags=re.S,
        )
    ]


def test_working_days_of_a_review_on_every_page(
    app: Flask, api: Api, people: People, cinema_code: str
) -> None:
    """The province decides a refund within 3 working days: the inbox, the task page
    and the applicant's progress page say so beside the due moment."""
    with at(2026, 9, 30, 10):
        refund = api_submitted(api.as_user(people.cinema), refund_data(cinema_code))
        hunan = english(signed_in(app, "hunan"))
        inbox = hunan.get("/review/")
        row = text_of(row_of(inbox, refund["number"]))
        assert "By the end of 10 October 2026 (24:00)" in row
        assert "Promised time limit: 3 working days" in row
        (task_id,) = task_ids(inbox)
        page = text(hunan.get(f"/review/tasks/{task_id}"))
        assert "By the end of 10 October 2026 (24:00)" in page
        assert "Promised time limit: 3 working days" in page
        cinema = english(signed_in(app, "cinema"))
        progress = text(cinema.get(progress_url(refund)))
        assert "Promised time limit: 3 working days" in progress
        assert "No deadline" not in progress


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_hours_of_the_confirmation_window(
    app: Flask, api: Api, people: People, cinema_code: str
) -> None:
    """After the approval of a backfill, the cinema has 48 hours (wall clock)."""
    with at(2026, 9, 30, 10):
        backfill = api_submitted(api.as_user(people.cinema), backfill_data(cinema_code))
        api.as_user(people.hunan).decide(backfill["id"], "approve")
        cinema = english(signed_in(app, "cinema"))
        page = cinema.get(progress_url(backfill))
        assert applicant_task_ids(page)
        assert "Promised time limit: 48 hours" in text(page)
        assert "2 October 2026, 10:00" in text(page)
        # The national final review is of refunds only: left out once past it.
        assert bar(page) == [
            ("Fill in the application", "done"),
            ("Provincial film authority review", "done"),
            ("Confirm the refund or backfill was carried out", "current"),
        ]


def test_a_step_without_a_legal_limit_states_its_commitment(
    app: Flask, factory: Factory, api: Api, people: People
) -> None:
    registration = api.as_user(people.cinema).submitted_cinema_application()
    hunan = signed_in(app, "hunan")
    (task_id,) = task_ids(hunan.get("/review/"))
    for page in (
        hunan.get("/review/"),
        hunan.get(f"/review/tasks/{task_id}"),
        signed_in(app, "cinema").get(progress_url(registration)),
    ):
        body = text(page)
        assert "收到申请后及时审核" in body  # the BPMN's commitment
        assert "无办理时限" not in body and "No deadline" not in body
    english_page = text(english(hunan).get(f"/review/tasks/{task_id}"))
    assert "Promised time limit: Reviewed promptly once received" in english_page


def test_the_step_bar_follows_a_correction(
    app: Flask, api: Api, people: People, factory: Factory
) -> None:
    cinema = api.as_user(people.cinema)
    registration = cinema.submitted_cinema_application()
    page = english(signed_in(app, "cinema"))
    assert bar(page.get(progress_url(registration))) == [
        ("Fill in the cinema's basic information", "done"),
        ("Provincial film authority review", "current"),
    ]
    cinema_page = page.get(progress_url(registration)).get_data(as_text=True)
    assert 'aria-current="step"' in cinema_page

    api.as_user(people.hunan).decide(registration["id"], "return", "请补正。")
    assert bar(page.get(progress_url(registration))) == [
        ("Fill in the cinema's basic information", "done"),
        ("Provincial film authority review", "done"),
        ("Correct and resubmit", "current"),
    ]
    assert cinema.post(f"/api/v1/applications/{registration['id']}/submit").status_code == 200
    assert bar(page.get(progress_url(registration))) == [
        ("Fill in the cinema's basic information", "done"),
        ("Provincial film authority review", "current"),
    ]
    api.as_user(people.hunan).decide(registration["id"], "approve")
    assert bar(page.get(progress_url(registration))) == [
        ("Fill in the cinema's basic information", "done"),
        ("Provincial film authority review", "done"),
    ]


def test_main_steps_declared_or_derived(app: Flask) -> None:
    """Software filing declares its main steps (process property ``steps``), so a
    failed test's decision stays off the bar; the refund's are derived from its
    BPMN, without the correction loop."""
    with app.app_context():
        definition = db.session.query(ProcessDefinition).filter_by(key="software_filing").one()
        assert main_steps(model_of(definition)) == [
            "fill_in",
            "material_review",
            "testing",
            "filing_decision",
        ]
        refund = db.session.query(ProcessDefinition).filter_by(key="refund_backfill").one()
        # Derived from the BPMN: the correction loop is left out.
        assert main_steps(model_of(refund)) == [
            "fill_in",
            "provincial_review",
            "national_review",
            "confirm",
        ]


def test_the_pilot_admission_commits_to_prompt_handling(
    app: Flask, published: None, zhengzhou: Zhengzhou
) -> None:
    """The data-only package of seed 004 sets no time limit: its reviews say
    依申请及时办理, and its bar is derived from its BPMN."""
    user = zhengzhou.factory.applicant(org_type=OrgType.CULTURAL_ENTERPRISE)
    application = submitted(zhengzhou.api.as_user(user), "bookstore")
    page = signed_in(app, user.username)
    progress = page.get(progress_url(application))
    assert "依申请及时办理" in text(progress)
    assert [state for _, state in bar(progress)] == ["done", "current", "upcoming"]
    decide(zhengzhou.district("410102"), application["id"], "approve", "推荐")
    english_page = english(page).get(progress_url(application))
    assert "Promised time limit: Handled promptly on application" in text(english_page)
    assert bar(english_page) == [
        ("Fill in the application", "done"),
        ("District culture authority recommendation", "done"),
        ("City culture authority review", "current"),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_applicants_own_step_without_limit_states_nothing(
    app: Flask, api: Api, people: People, lang: str
) -> None:
    cinema = api.as_user(people.cinema)
    registration = cinema.submitted_cinema_application()
    api.as_user(people.hunan).decide(registration["id"], "return", "请补正。")
    page = signed_in(app, "cinema")
    if lang == "en":
        english(page)
    body = text(page.get(progress_url(registration)))
    assert "Promised time limit" not in body
    assert "承诺时限" not in body
