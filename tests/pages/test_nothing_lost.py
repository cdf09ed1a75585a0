"""Nothing typed or uploaded is lost, and every problem of a page shows in one round.

A refused value or file no longer throws away the rest of the submit: the
valid fields are saved as the draft, the accepted files stay stored (the page
shows them per slot, so they are not uploaded again), and the page lists the
form's own problems together with the service's (registration rules, the
submission's missing fields and documents, a task's missing report file).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Organization, User
from portal.core.extensions import db
from portal.documents.models import Document
from tests.filing import FilingSteps
from tests.helpers import (
    Api,
    Factory,
    backfill_data,
    make_uscc,
    minimal_pdf,
    registration_data,
)
from tests.pages.conftest import People, Team
from tests.pages.refunds import api_submitted, applicant_task_ids, at, refund_form
from tests.pages.support import (
    application_id,
    cinema_form,
    count,
    pdf,
    post_form,
    signed_in,
    stored,
    task_ids,
    text,
    with_licences,
)

MOBILE_REFUSED = "不是有效的手机号码"
REQUIRED = "此项为必填项"
DOCUMENT_REQUIRED = "请上传此材料"


@pytest.fixture
def cinema(app: Flask, factory: Factory) -> FlaskClient:
    factory.applicant(username="cinema")
    return signed_in(app, "cinema")


def new_draft(client: FlaskClient) -> str:
    response = client.post("/applicant/new/cinema_registration")
    assert response.status_code == 302
    return f"/applicant/applications/{application_id(response)}"


def slot_block(body: str, slot: str) -> str:
    """The HTML of one document slot of a page, up to the next field."""
    start = body.index(f'for="{slot}"')
    end = body.find('class="form-field', start)
    return body[start : end if end != -1 else len(body)]


def documents(app: Flask) -> list[tuple[str, str, int]]:
    """Every stored document as (slot, file name, version)."""
    with app.app_context():
        rows = db.session.query(Document).order_by(Document.slot, Document.version).all()
        return [(d.slot, d.filename, d.version) for d in rows]


# The application page ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["save", "submit"])
def test_files_and_valid_fields_are_kept_when_a_field_is_refused(
    app: Flask, cinema: FlaskClient, action: str
) -> None:
    url = new_draft(cinema)
    response = post_form(
        cinema, url + "/edit", with_licences(cinema_form(action, contact_mobile="12345"))
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert MOBILE_REFUSED in text(response)
    assert 'id="contact_mobile-error"' in body
    assert 'value="12345"' in body  # shown as typed, to be corrected
    assert documents(app) == [
        ("business_licence", "business.pdf", 1),
        ("screening_licence", "screening.pdf", 1),
    ]
    assert "已上传：business.pdf（第 1 版" in slot_block(body, "business_licence")
    assert "已上传：screening.pdf（第 1 版" in slot_block(body, "screening_licence")
    application = stored(app, url)
    assert application.status == "draft" and application.number is None
    assert application.data["name"] == "星光影城"
    assert application.data["halls"] == [
        {"name": "1号厅", "seats": 120},
        {"name": "2号厅", "seats": 80},
    ]
    assert application.data["contact_mobile"] is None

    # Corrected, and submitted without choosing the files again.
    submitted = post_form(cinema, url + "/edit", cinema_form("submit"))
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == url
    application = stored(app, url)
    assert application.status == "submitted"
    assert application.data["contact_mobile"] == "13800138000"
    assert len(documents(app)) == 2


def test_a_file_of_the_wrong_type_is_refused_on_its_slot_and_the_other_kept(
    app: Flask, cinema: FlaskClient
) -> None:
    url = new_draft(cinema)
    formdata = cinema_form("submit")
    formdata.add("business_licence", pdf("business.pdf"))
    formdata.add("screening_licence", pdf("notes.pdf", b"just some text, not a PDF at all\n" * 10))
    response = post_form(cinema, url + "/edit", formdata)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="screening_licence-error"' in body
    assert "此处不接受该文件类型" in slot_block(body, "screening_licence")
    assert 'id="business_licence-error"' not in body
    assert "已上传：business.pdf" in slot_block(body, "business_licence")
    assert documents(app) == [("business_licence", "business.pdf", 1)]
    assert stored(app, url).status == "draft"
    assert stored(app, url).data["contact_mobile"] == "13800138000"

    formdata = cinema_form("submit")
    formdata.add("screening_licence", pdf("screening.pdf"))
    assert post_form(cinema, url + "/edit", formdata).status_code == 302
    assert stored(app, url).status == "submitted"


def test_submit_lists_refused_values_missing_fields_and_documents_together(
    app: Flask, cinema: FlaskClient
) -> None:
    url = new_draft(cinema)
    formdata = MultiDict(
        {"action": "submit", "name": "星光影城", "contact_mobile": "12345", "halls-0-seats": "很多"}
    )
    formdata.add("business_licence", pdf("business.pdf"))
    response = post_form(cinema, url + "/edit", formdata)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = text(response)
    # The refused values, each with its own message only.
    assert MOBILE_REFUSED in slot_block(body, "contact_mobile")
    assert REQUIRED not in slot_block(body, "contact_mobile")
    assert "不是有效的整数" in page
    # What the submission itself lacks, in the same round.
    for field in ("address", "division_code", "circuit", "contact_name"):
        assert REQUIRED in slot_block(body, field), field
    assert DOCUMENT_REQUIRED in slot_block(body, "screening_licence")
    assert DOCUMENT_REQUIRED not in slot_block(body, "business_licence")
    assert "已上传：business.pdf" in slot_block(body, "business_licence")
    start = body.index('class="error-summary"')
    summary = body[start : body.index("</div>", start)]
    for anchor in ("contact_mobile", "address", "screening_licence", "halls-0-seats"):
        assert f'href="#{anchor}"' in summary, anchor
    application = stored(app, url)
    assert application.status == "draft" and application.number is None
    assert application.data["name"] == "星光影城"


def test_a_service_refusal_of_one_field_keeps_the_others(app: Flask, cinema: FlaskClient) -> None:
    """Only the refused field is left out of the draft: the others are saved."""
    url = new_draft(cinema)
    response = post_form(
        cinema, url + "/edit", cinema_form(division_code="999999", circuit="潇湘院线")
    )
    assert response.status_code == 200
    assert "不是有效的行政区划代码" in text(response)
    data = stored(app, url).data
    assert data["division_code"] is None
    assert data["circuit"] == "潇湘院线"


# Registration -----------------------------------------------------------------------------


def registration(**overrides: str) -> dict[str, str]:
    return registration_data(page=True, **overrides)


def test_registration_shows_the_form_and_service_problems_together(
    app: Flask, client: FlaskClient
) -> None:
    valid = make_uscc()
    bad_uscc = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    response = client.post(
        "/auth/register",
        data=registration(
            uscc=bad_uscc, mobile="12345", confirm="Another-Pass-2026", contact_name=""
        ),
    )
    assert response.status_code == 200
    page = text(response)
    assert "两次输入的密码不一致" in page
    assert "统一社会信用代码无效（校验位不符）" in page
    assert "不是有效的中国大陆手机号码" in page
    assert REQUIRED in page
    body = response.get_data(as_text=True)
    for field in ("uscc", "mobile", "confirm", "contact_name"):
        assert f'id="{field}-error"' in body, field
    # Once in the summary and once beside the field: the form's message alone.
    assert page.count(REQUIRED) == 2
    assert count(app, Organization) == 0
    assert count(app, User) == 0

    fixed = client.post("/auth/register", data=registration())
    assert fixed.status_code == 302
    assert count(app, Organization) == 1


def test_registration_with_only_a_password_mismatch_still_checks_the_password(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/auth/register", data=registration(password="short", confirm="different")
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="password-error"' in body and 'id="confirm-error"' in body
    assert count(app, User) == 0


# Task pages -------------------------------------------------------------------------------


@pytest.fixture
def commissioned(api: Api, team: Team) -> dict[str, Any]:
    """A filing whose materials the Office approved: it waits for the institute's test."""
    steps = FilingSteps(
        api.as_user(team.vendor), api.as_user(team.national), api.as_user(team.institute)
    )
    return steps.decide(steps.submitted()["id"], "approve")


def institute_task(app: Flask, application: dict[str, Any]) -> tuple[FlaskClient, str]:
    institute = signed_in(app, "institute")
    (task_id,) = task_ids(institute.get("/review/"))
    return institute, f"/review/tasks/{task_id}"


def report_documents(app: Flask) -> list[tuple[str, str, int]]:
    return [d for d in documents(app) if d[0] == "test_report"]


def test_the_institute_sees_a_missing_number_and_a_missing_report_at_once(
    app: Flask, team: Team, commissioned: dict[str, Any]
) -> None:
    institute, url = institute_task(app, commissioned)
    response = post_form(
        institute, url + "/complete", MultiDict({"result": "pass", "comment": "符合"})
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="report_number-error"' in body
    assert 'id="test_report-error"' in body
    assert DOCUMENT_REQUIRED in slot_block(body, "test_report")
    assert task_ids(institute.get("/review/")) == [url.rsplit("/", 1)[-1]]


def test_the_institute_report_file_is_kept_when_the_number_is_missing(
    app: Flask, team: Team, commissioned: dict[str, Any]
) -> None:
    institute, url = institute_task(app, commissioned)
    formdata: MultiDict[str, Any] = MultiDict({"result": "pass", "comment": "符合"})
    formdata.add("test_report", (io.BytesIO(minimal_pdf()), "report.pdf"))
    response = post_form(institute, url + "/complete", formdata)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="report_number-error"' in body
    assert 'id="test_report-error"' not in body
    assert "已上传：report.pdf（第 1 版" in slot_block(body, "test_report")
    assert report_documents(app) == [("test_report", "report.pdf", 1)]

    done = post_form(
        institute,
        url + "/complete",
        MultiDict({"result": "pass", "report_number": "JC-2026-0815", "comment": "符合"}),
    )
    assert done.status_code == 302
    assert task_ids(institute.get("/review/")) == []
    assert report_documents(app) == [("test_report", "report.pdf", 1)]


# Refunds: the process's own check, and the applicant's task page ---------------------------


def test_submit_lists_refused_values_the_process_check_and_documents_together(
    app: Flask, people: People
) -> None:
    with at(2026, 9, 30, 10):
        cinema = signed_in(app, "cinema")
        created = cinema.post("/applicant/new/refund_backfill")
        url = f"/applicant/applications/{application_id(created)}"
        formdata = refund_form("43999999", "submit", ticket_count="三")
        response = post_form(cinema, url + "/edit", formdata)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "不是有效的整数" in slot_block(body, "ticket_count")
    assert "本单位没有使用此编码的已注册电影院" in slot_block(body, "cinema_code")
    assert DOCUMENT_REQUIRED in slot_block(body, "evidence")
    application = stored(app, url)
    assert application.status == "draft"
    assert application.data["film"] == "长津湖"
    assert application.data["ticket_count"] is None


def test_the_applicant_task_page_lists_every_problem_at_once(
    app: Flask, api: Api, people: People, cinema_code: str
) -> None:
    with at(2026, 10, 12, 9):
        application = api_submitted(api.as_user(people.cinema), backfill_data(cinema_code))
        hunan = signed_in(app, "hunan")
        (review_id,) = task_ids(hunan.get("/review/"))
        hunan.post(f"/review/tasks/{review_id}/complete", data={"decision": "approve"})
        cinema = signed_in(app, "cinema")
        url = f"/applicant/applications/{application['id']}"
        (confirm_id,) = applicant_task_ids(cinema.get(url))
        response = cinema.post(f"/applicant/tasks/{confirm_id}", data={"note": "长" * 1001})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert 'id="done-error"' in body and 'id="note-error"' in body
        assert applicant_task_ids(cinema.get(url)) == [confirm_id]

        done = cinema.post(f"/applicant/tasks/{confirm_id}", data={"done": "y", "note": "已退票"})
        assert done.status_code == 302
        assert applicant_task_ids(cinema.get(url)) == []
