"""POST /tasks/{id}/documents: documents a reviewer adds on a task's form.

The shipped cinema review form has no document slots, so these tests publish a
version of cinema_registration whose review form asks for an inspection report
(as the testing institute's form will ask for a test report).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Role
from portal.core.extensions import db
from portal.documents.models import Document
from tests.helpers import Api, Factory, count_rows, minimal_pdf, minimal_png, stored_files
from tests.packages import bpmn_of

ROOT = Path(__file__).resolve().parents[2]
BPMN = bpmn_of("cinema_registration")
REVIEW_FORM = json.loads((ROOT / "forms" / "definitions" / "review.json").read_text())
KIB = 1024


def review_form_with_report() -> dict[str, Any]:
    form = copy.deepcopy(REVIEW_FORM)
    form["components"].append(
        {
            "type": "filepicker",
            "id": "Field_inspection_report",
            "key": "inspection_report",
            "label": "现场核查报告",
            "accept": ".pdf",
            "validate": {"required": True},
            "properties": {"label_en": "Inspection report", "maxSize": "64KB"},
        }
    )
    return form


@pytest.fixture
def reporting_process(api: Api, factory: Factory) -> None:
    """Version 2 of cinema_registration: the review needs an inspection report."""
    admin = api.as_user(factory.staff(Role.ADMIN))
    files = MultiDict([("bpmn", (io.BytesIO(BPMN), "cinema_registration.bpmn"))])
    files.add("forms", (io.BytesIO(json.dumps(review_form_with_report()).encode()), "review.json"))
    response = admin.client.post(
        "/api/v1/process-definitions",
        data=files,
        headers={"Authorization": f"Bearer {admin.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def task(reporting_process: None, cinema: Api, hunan: Api) -> dict[str, Any]:
    submitted = cinema.submitted_cinema_application()
    assert submitted["version"] == 2
    return hunan.open_task(submitted["id"])


def url(task: dict[str, Any]) -> str:
    return f"/api/v1/tasks/{task['id']}/documents"


def complete(client: Api, task: dict[str, Any], data: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})


def test_the_task_form_lists_its_slot(hunan: Api, task: dict[str, Any]) -> None:
    form = hunan.get(f"/api/v1/tasks/{task['id']}").get_json()["form"]
    (slot,) = form["slots"]
    assert (slot["key"], slot["accept"], slot["max_size"], slot["required"]) == (
        "inspection_report",
        ["pdf"],
        64 * KIB,
        True,
    )


def test_reviewer_uploads_a_report(
    app: Flask, cinema: Api, hunan: Api, task: dict[str, Any]
) -> None:
    content = minimal_pdf()

    response = hunan.upload(url(task), "inspection_report", content, "核查报告.pdf")

    assert response.status_code == 201
    body = response.get_json()
    assert body["slot"] == "inspection_report"
    assert body["task_id"] == task["id"]
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == "application/pdf"
    application = cinema.get(f"/api/v1/applications/{task['application_id']}").get_json()
    assert body["id"] in [d["id"] for d in application["documents"]]
    assert cinema.download(f"/api/v1/documents/{body['id']}").data == content
    assert application["history"][-1]["action"] == "document_uploaded"
    assert application["history"][-1]["task"] == task["name"]


def test_a_second_report_is_a_new_version(hunan: Api, task: dict[str, Any]) -> None:
    first = hunan.upload(url(task), "inspection_report", minimal_pdf()).get_json()
    second = hunan.upload(url(task), "inspection_report", minimal_pdf() + b"\n").get_json()
    assert (first["version"], second["version"]) == (1, 2)


@pytest.mark.parametrize(
    ("slot", "content", "status", "key"),
    [
        ("inspection_report", minimal_png(), 422, "file"),  # only PDF here
        ("inspection_report", b"plain text", 422, "file"),
        ("inspection_report", b"", 422, "file"),
        ("business_licence", minimal_pdf(), 422, "slot"),  # a slot of the application form
        ("nonsense", minimal_pdf(), 422, "slot"),
        ("inspection_report", minimal_pdf() + b"\0" * (64 * KIB), 413, None),
    ],
    ids=["png", "text", "empty", "application-slot", "unknown-slot", "too-large"],
)
def test_the_same_rules_as_application_documents(
    app: Flask,
    hunan: Api,
    task: dict[str, Any],
    *,
    slot: str,
    content: bytes,
    status: int,
    key: str | None,
) -> None:
    before, files_before = count_rows(app, Document), stored_files(app)

    response = hunan.upload(url(task), slot, content, "report.pdf")

    assert response.status_code == status
    if key is not None:
        assert key in response.get_json()["errors"]
    assert count_rows(app, Document) == before
    assert stored_files(app) == files_before


def test_another_reviewers_claimed_task_is_409(
    api: Api, factory: Factory, hunan: Api, task: dict[str, Any]
) -> None:
    colleague = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    hunan.post(f"/api/v1/tasks/{task['id']}/claim")
    response = colleague.upload(url(task), "inspection_report", minimal_pdf())
    assert response.status_code == 409


def test_out_of_scope_is_404(beijing: Api, cinema: Api, task: dict[str, Any]) -> None:
    assert beijing.upload(url(task), "inspection_report", minimal_pdf()).status_code == 404
    assert cinema.upload(url(task), "inspection_report", minimal_pdf()).status_code == 404


def test_completing_without_the_required_report_is_422(
    cinema: Api, hunan: Api, task: dict[str, Any]
) -> None:
    response = complete(hunan, task, {"decision": "approve"})

    assert response.status_code == 422
    assert "inspection_report" in response.get_json()["errors"]
    application = cinema.get(f"/api/v1/applications/{task['application_id']}").get_json()
    assert application["status"] == "submitted"
    assert application["result"] == {}


def test_completing_with_the_report(
    app: Flask, cinema: Api, hunan: Api, task: dict[str, Any]
) -> None:
    hunan.upload(url(task), "inspection_report", minimal_pdf())

    response = complete(hunan, task, {"decision": "approve"})

    assert response.status_code == 200
    assert response.get_json()["result"]["cinema_code"] == "43000001"
    assert hunan.upload(url(task), "inspection_report", minimal_pdf()).status_code == 409


def test_a_report_on_an_earlier_review_does_not_count_for_the_next(
    cinema: Api, hunan: Api, task: dict[str, Any], app: Flask
) -> None:
    hunan.upload(url(task), "inspection_report", minimal_pdf())
    assert complete(hunan, task, {"decision": "return", "comment": "请补正"}).status_code == 200
    assert cinema.post(f"/api/v1/applications/{task['application_id']}/submit").status_code == 200
    second_review = hunan.open_task(task["application_id"])

    response = complete(hunan, second_review, {"decision": "approve"})

    assert response.status_code == 422
    assert "inspection_report" in response.get_json()["errors"]
    with app.app_context():
        tasks_with_reports = db.session.scalars(sa.select(Document.task_id)).all()
    assert [str(t) for t in tasks_with_reports if t] == [task["id"]]
