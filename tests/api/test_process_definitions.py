"""Administrators publish new process versions; running applications keep theirs."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from portal.accounts.models import Role
from tests.helpers import Api, Factory

V2 = (Path(__file__).parent / "bpmn" / "cinema_registration_national_check.bpmn").read_bytes()


def publish(admin: Api, bpmn: bytes, *forms: tuple[str, dict[str, object]]) -> TestResponse:
    files = MultiDict([("bpmn", (io.BytesIO(bpmn), "process.bpmn"))])
    for name, form in forms:
        files.add("forms", (io.BytesIO(json.dumps(form).encode()), name))
    return admin.client.post(
        "/api/v1/process-definitions",
        data=files,
        headers={"Authorization": f"Bearer {admin.token}"},
        content_type="multipart/form-data",
    )


def test_new_version_for_new_applications_old_one_for_running(api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant())
    hunan = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    national = api.as_user(factory.staff(Role.NATIONAL_REVIEWER))
    admin = api.as_user(factory.staff(Role.ADMIN))

    running = cinema.submitted_cinema_application()
    assert running["version"] == 1

    response = publish(admin, V2)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"key": "cinema_registration", "version": 2}
    listed = admin.get("/api/v1/process-definitions").get_json()["items"]
    (entry,) = [e for e in listed if e["key"] == "cinema_registration"]
    assert [v["version"] for v in entry["versions"]] == [1, 2]
    assert cinema.get("/api/v1/processes").get_json()["items"][0]["version"] == 2

    newer = cinema.submitted_cinema_application(name="新影城")
    assert newer["version"] == 2

    # The running application finishes on version 1: one approval is final.
    assert hunan.decide(running["id"], "approve").get_json()["status"] == "approved"

    # The new one needs the national review added in version 2.
    after_province = hunan.decide(newer["id"], "approve").get_json()
    assert after_province["status"] == "submitted"
    assert [t["role"] for t in after_province["tasks"]] == ["national_reviewer"]
    final = national.decide(newer["id"], "approve").get_json()
    assert final["status"] == "approved"
    assert final["result"]["cinema_code"] == "43000002"


def test_publishing_the_same_content_twice_keeps_one_version(api: Api, factory: Factory) -> None:
    admin = api.as_user(factory.staff(Role.ADMIN))
    assert publish(admin, V2).status_code == 201
    again = publish(admin, V2)
    assert again.status_code == 200
    assert again.get_json()["version"] == 2


def test_invalid_definition_lists_every_problem_and_changes_nothing(
    api: Api, factory: Factory
) -> None:
    admin = api.as_user(factory.staff(Role.ADMIN))
    broken = (
        V2.replace(b'name="national_reviewer"', b'name="mayor"')
        .replace(b'value="review"/>', b'value="missing_form"/>', 1)
        .replace(b'decision == "reject"', b"__import__('os')", 1)
    )
    response = publish(admin, broken)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    problems = body["problems"]
    text = " | ".join(p["message"] for p in problems)
    assert "Lane name 'mayor'" in text
    assert "Unknown form 'missing_form'" in text
    assert "Condition:" in text
    assert all(p["line"] for p in problems)
    assert {p["element_id"] for p in problems} >= {"lane_national", "provincial_review"}
    versions = admin.get("/api/v1/process-definitions").get_json()["items"]
    assert {e["key"]: len(e["versions"]) for e in versions}["cinema_registration"] == 1


def test_uploaded_forms_are_validated_and_pinned(api: Api, factory: Factory) -> None:
    admin = api.as_user(factory.staff(Role.ADMIN))
    bad_form = {"type": "default", "id": "review", "components": [{"type": "rocket", "key": "x"}]}
    response = publish(admin, V2, ("review.json", bad_form))
    assert response.status_code == 422
    assert any("Form 'review.json'" in p["message"] for p in response.get_json()["problems"])


def test_only_administrators_manage_definitions(
    api: Api, factory: Factory, client: FlaskClient
) -> None:
    reviewer = api.as_user(factory.staff(Role.NATIONAL_REVIEWER))
    assert publish(reviewer, V2).status_code == 403
    assert reviewer.get("/api/v1/process-definitions").status_code == 403
    assert client.get("/api/v1/process-definitions").status_code == 401
