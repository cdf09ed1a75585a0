"""The reviewer's inbox: tabs 待办 / 已办 / 逾期, search, pages, resubmissions and
what they changed, claiming by deciding, and wording that fits the role."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import OrgType, Role
from portal.applications.tasks import TaskService
from tests.helpers import Api, Factory, minimal_pdf, refund_data
from tests.pages.conftest import People, Team
from tests.pages.refunds import api_submitted, at, escalation_ids, row_of, tick
from tests.pages.support import signed_in, task_ids, text

APPS = "/api/v1/applications"


def english(client: FlaskClient) -> FlaskClient:
    client.get("/lang/en")
    return client


@pytest.fixture
def hunan(app: Flask, factory: Factory) -> FlaskClient:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    return english(signed_in(app, "hunan"))


def cinema_applications(factory: Factory, api: Api) -> dict[str, dict[str, Any]]:
    """Three cinema registrations: two of 星光 (1 and 3 September), one of 银河 (2 September)."""
    star = factory.applicant(username="star")
    galaxy = factory.applicant(username="galaxy")
    found = {}
    for key, user, day in (("first", star, 1), ("galaxy", galaxy, 2), ("third", star, 3)):
        with at(2026, 9, day, 10):
            found[key] = api.as_user(user).submitted_cinema_application()
    return found


def test_open_and_done_tabs(factory: Factory, api: Api, hunan: FlaskClient) -> None:
    submitted = cinema_applications(factory, api)
    open_tab = hunan.get("/review/")
    assert open_tab.status_code == 200
    body = text(open_tab)
    assert all(a["number"] in body for a in submitted.values())
    assert "To do 3" in body and "Done 0" in body and "Overdue 0" in body
    assert 'aria-current="page"' in row_of_tab(open_tab, "To do")

    first = next(t for t in task_ids(open_tab) if submitted["first"]["number"] in row(hunan, t))
    decided = hunan.post(f"/review/tasks/{first}/complete", data={"decision": "approve"})
    assert decided.status_code == 302

    body = text(hunan.get("/review/"))
    assert submitted["first"]["number"] not in body and "To do 2" in body
    done = hunan.get("/review/?tab=done")
    assert done.status_code == 200
    assert submitted["first"]["number"] in text(done)
    assert submitted["galaxy"]["number"] not in text(done)
    assert "Done 1" in text(done)
    # A completed task opens read-only.
    assert "This task has already been completed." in text(hunan.get(f"/review/tasks/{first}"))


def row_of_tab(page: Any, label: str) -> str:
    html = page.get_data(as_text=True)
    start = html.index('class="tab-list"')
    return next(item for item in html[start:].split("<li>") if label in item)


def row(client: FlaskClient, task_id: str) -> str:
    return text(client.get(f"/review/tasks/{task_id}"))


def test_search_by_number_applicant_and_submission_days(
    factory: Factory, api: Api, hunan: FlaskClient
) -> None:
    submitted = cinema_applications(factory, api)
    numbers = {key: a["number"] for key, a in submitted.items()}

    def listed(query: str) -> set[str]:
        page = hunan.get(f"/review/?{query}")
        assert page.status_code == 200, text(page)
        return {key for key, number in numbers.items() if number in text(page)}

    assert listed(f"number={numbers['galaxy']}") == {"galaxy"}
    assert listed(f"number={numbers['third'][-3:]}") == {"third"}
    assert listed("applicant=star") == {"first", "third"}
    assert listed("applicant=GALAXY") == {"galaxy"}
    assert listed("submitted_from=2026-09-02") == {"galaxy", "third"}
    assert listed("submitted_to=2026-09-02") == {"first", "galaxy"}
    assert listed("submitted_from=2026-09-02&submitted_to=2026-09-02") == {"galaxy"}
    assert listed("applicant=star&submitted_from=2026-09-02") == {"third"}
    assert listed("applicant=nobody") == set()
    assert "No tasks match." in text(hunan.get("/review/?applicant=nobody"))
    # The search is kept in the form.
    assert f'value="{numbers["galaxy"]}"' in hunan.get(
        f"/review/?number={numbers['galaxy']}"
    ).get_data(as_text=True)


def test_submission_days_are_china_days(factory: Factory, api: Api, hunan: FlaskClient) -> None:
    cinema = factory.applicant(username="late")
    with at(2026, 9, 2, 0, 30):  # 1 September 16:30 UTC, already 2 September in China
        number = api.as_user(cinema).submitted_cinema_application()["number"]
    assert number in text(hunan.get("/review/?submitted_from=2026-09-02&submitted_to=2026-09-02"))
    assert number not in text(hunan.get("/review/?submitted_to=2026-09-01"))


def next_url(page: Any) -> str | None:
    """The next-page link of a page, unescaped as a browser follows it."""
    found = re.search(r'rel="next" href="([^"]+)"', page.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


def test_pages_of_twenty(factory: Factory, api: Api, hunan: FlaskClient) -> None:
    cinema = factory.applicant(username="busy")
    client = api.as_user(cinema)
    for n in range(21):
        with at(2026, 9, 1, 8, n):
            client.submitted_cinema_application(name=f"影城{n}")
    first = hunan.get("/review/")
    assert len(task_ids(first)) == 20
    assert "21 tasks" in text(first) and "First page" not in text(first)
    link = next_url(first)
    assert link is not None and "cursor=" in link
    second = hunan.get(link)
    assert len(task_ids(second)) == 1
    assert not set(task_ids(second)) & set(task_ids(first))
    assert next_url(second) is None and "First page" in text(second)
    # Filters stay on the page links.
    filtered = next_url(hunan.get("/review/?applicant=busy&limit=5"))
    assert filtered is not None
    assert "applicant=busy" in filtered and "limit=5" in filtered and "cursor=" in filtered


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tab=everything", "Unknown tab."),
        ("submitted_from=2026-13-01", "Enter a date as YYYY-MM-DD."),
        ("submitted_to=yesterday", "Enter a date as YYYY-MM-DD."),
        ("submitted_from=2026-09-03&submitted_to=2026-09-01", "The end date is before"),
        ("limit=0", "Give a whole number from 1 to 200."),
        ("limit=two", "Give a whole number from 1 to 200."),
        ("limit=201", "Give a whole number from 1 to 200."),
        ("cursor=not-a-cursor", "This cursor is not valid; start from the first page."),
        ("number=" + "9" * 101, "At most 100 characters."),
    ],
)
def test_bad_parameters_are_refused(
    factory: Factory, api: Api, hunan: FlaskClient, query: str, message: str
) -> None:
    cinema_applications(factory, api)
    page = hunan.get(f"/review/?{query}")
    assert page.status_code == 400
    assert "The search could not be run" in text(page) and message in text(page)
    assert task_ids(page) == []


def test_an_empty_inbox_has_no_page_links(hunan: FlaskClient) -> None:
    page = hunan.get("/review/")
    assert page.status_code == 200
    assert next_url(page) is None and "First page" not in text(page)


def test_overdue_tab(app: Flask, api: Api, people: People, cinema_code: str) -> None:
    """A refund's 3 working days end on 10 October; the next day it is overdue and
    escalated: in Hunan's overdue tab to decide, in the national one to follow."""
    with at(2026, 9, 30, 10):
        refund = api_submitted(api.as_user(people.cinema), refund_data(cinema_code))
    with at(2026, 10, 10, 9):
        hunan = english(signed_in(app, "hunan"))
        assert refund["number"] not in text(hunan.get("/review/?tab=overdue"))
    with at(2026, 10, 11, 0, 0):
        tick(app)
    with at(2026, 10, 11, 9):
        hunan = english(signed_in(app, "hunan"))
        overdue = hunan.get("/review/?tab=overdue")
        assert overdue.status_code == 200
        assert "deadline-overdue" in row_of(overdue, refund["number"])
        assert "Overdue 1" in text(overdue)
        (task_id,) = task_ids(overdue)
        national = english(signed_in(app, "national")).get("/review/?tab=overdue")
        assert escalation_ids(national) == [task_id] and task_ids(national) == []
        assert "Hunan" in row_of(national, refund["number"]) or "湖南" in row_of(
            national, refund["number"]
        )


def test_resubmission_is_marked_and_its_changes_shown(
    factory: Factory, api: Api, hunan: FlaskClient
) -> None:
    cinema = api.as_user(factory.applicant(username="star"))
    submitted = cinema.submitted_cinema_application()
    (task_id,) = task_ids(hunan.get("/review/"))
    hunan.post(
        f"/review/tasks/{task_id}/complete",
        data={"decision": "return", "comment": "院线名称有误，营业执照不清晰。"},
    )
    app_id = submitted["id"]
    halls = [{"name": "1号厅", "seats": 120}, {"name": "3号厅", "seats": 60}]
    changed = cinema.patch(
        f"{APPS}/{app_id}", json={"data": {"circuit": "湖南新院线", "halls": halls}}
    )
    assert changed.status_code == 200, changed.get_json()
    uploaded = cinema.upload(f"{APPS}/{app_id}/documents", "business_licence", minimal_pdf())
    assert uploaded.status_code == 201
    assert cinema.post(f"{APPS}/{app_id}/submit").status_code == 200

    inbox = hunan.get("/review/")
    assert "Resubmitted after correction" in row_of(inbox, submitted["number"])
    (again,) = task_ids(inbox)
    page = hunan.get(f"/review/tasks/{again}")
    body = text(page)
    assert "Changed since the return" in body
    html = page.get_data(as_text=True)
    fields = html[html.index('class="data-table changes-fields"') :]
    fields = fields[: fields.index("</table>")]
    assert "湖南潇湘院线" in fields and "湖南新院线" in fields
    assert fields.index("湖南潇湘院线") < fields.index("湖南新院线")
    assert "星光影城" not in fields  # unchanged fields are not listed
    assert "2号厅 80" in fields and "3号厅 60" in fields  # a list, row by row
    documents = html[html.index('class="data-table changes-documents"') :]
    documents = documents[: documents.index("</table>")]
    assert "version 1" in documents and "version 2" in documents
    assert "screening" not in documents.lower()

    # A first submission is not marked and has no changes.
    other = cinema.submitted_cinema_application(name="另一影城")
    assert "Resubmitted after correction" not in row_of(hunan.get("/review/"), other["number"])


def test_deciding_claims_the_task_and_says_so(
    factory: Factory, api: Api, hunan: FlaskClient
) -> None:
    api.as_user(factory.applicant(username="star")).submitted_cinema_application()
    (task_id,) = task_ids(hunan.get("/review/"))
    page = text(hunan.get(f"/review/tasks/{task_id}"))
    assert "Deciding claims this task for you." in page
    hunan.post(f"/review/tasks/{task_id}/claim")
    assert "Deciding claims this task for you." not in text(hunan.get(f"/review/tasks/{task_id}"))


def test_wording_fits_the_role(app: Flask, factory: Factory, team: Team) -> None:
    """The National Film Fund Office and the testing institute work nationwide: their
    inbox speaks of no jurisdiction (辖区); a province's speaks of its area."""
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    for username, role in (
        ("national", "National Film Fund Office"),
        ("institute", "Film Technical Quality Testing Institute"),
    ):
        client = signed_in(app, username)
        assert "辖区" not in text(client.get("/review/"))
        assert f"Tasks nationwide ({role})." in text(english(client).get("/review/"))
    hunan = english(signed_in(app, "hunan"))
    assert "Tasks in your area (湖南省 Provincial film authority)." in text(hunan.get("/review/"))


def test_applicants_and_administrators_have_no_inbox(app: Flask, factory: Factory) -> None:
    factory.applicant(org_type=OrgType.CINEMA, username="cinema")
    assert signed_in(app, "cinema").get("/review/?tab=done").status_code == 403


def test_tab_counts_stop_at_the_cap(
    factory: Factory, api: Api, hunan: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tab counts its tasks only up to ``TaskService.count_cap`` (a reviewer's
    completed tasks grow for years): beyond it, the tab and the caption say so."""
    cinema_applications(factory, api)
    monkeypatch.setattr(TaskService, "count_cap", 2)
    body = text(hunan.get("/review/"))
    assert "To do 2+" in body and "More than 2 tasks" in body
    monkeypatch.setattr(TaskService, "count_cap", 3)
    body = text(hunan.get("/review/"))
    assert "To do 3" in body and "To do 3+" not in body and "3 tasks" in body
