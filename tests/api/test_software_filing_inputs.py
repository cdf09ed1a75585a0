"""Software filing (P1): who may do what, and bad inputs. Every refusal is a clear 4xx
with the problem on the right key, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from portal.accounts.models import OrgType
from portal.applications.models import Application
from tests.api.filing_fixtures import (  # noqa: F401 (cast_fixture is the fixture "cast")
    APPS,
    TASKS,
    Cast,
    cast_fixture,
    complete,
    counts,
    seen,
    state,
)
from tests.filing import (
    AGENT_SOFTWARE,
    CINEMA_SOFTWARE,
    COMMON_SLOTS,
    VARIANT_SLOTS,
    filing_data,
    package_zip,
)
from tests.helpers import Api, count_rows, minimal_pdf

# Who may do what ----------------------------------------------------------------------


def test_the_institute_neither_sees_nor_completes_the_material_review(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()
    task = cast.national.open_task(submitted["id"])
    before = state(cast.vendor, submitted["id"])

    assert cast.institute.get(TASKS).get_json()["items"] == []
    assert cast.institute.get(f"{TASKS}/{task['id']}").status_code == 404
    assert cast.institute.get(f"{APPS}/{submitted['id']}").status_code == 404
    assert cast.institute.post(f"{TASKS}/{task['id']}/claim").status_code == 404
    response = complete(cast.institute, task["id"], {"decision": "approve"})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert state(cast.vendor, submitted["id"]) == before
    assert cast.national.open_task(submitted["id"])["assignee"] is None


def test_the_national_reviewer_cannot_complete_the_testing_task(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()
    cast.vendor_steps.decide(submitted["id"], "approve")
    task = cast.institute.open_task(submitted["id"])
    assert task["role"] == "testing_institute"
    assert seen(cast.institute, submitted["id"])["id"] == submitted["id"]  # now it is theirs
    assert cast.national.get(TASKS).get_json()["items"] == []
    before = state(cast.vendor, submitted["id"])

    report = cast.national.upload(f"{TASKS}/{task['id']}/documents", "test_report", minimal_pdf())
    response = complete(cast.national, task["id"], {"result": "pass", "report_number": "JC-1"})

    assert report.status_code == 404
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert state(cast.vendor, submitted["id"]) == before
    assert cast.institute.open_task(submitted["id"])["id"] == task["id"]


def test_another_vendor_sees_nothing_of_the_application(cast: Cast) -> None:
    filed = cast.vendor_steps.filed()
    other = cast.other_vendor()
    url = f"{APPS}/{filed['id']}"

    assert other.get(url).status_code == 404
    assert other.get(APPS).get_json()["items"] == []
    assert other.patch(url, json={"data": {"version": "V9"}}).status_code == 404
    assert other.download(f"/api/v1/documents/{filed['documents'][0]['id']}").status_code == 404
    for certificate in filed["certificates"]:
        pdf = other.download(f"/api/v1/certificates/{certificate['number']}/pdf")
        assert pdf.status_code == 404, certificate
    assert seen(cast.vendor, filed["id"])["data"]["version"] == "V3.2.1"


def test_a_cinema_cannot_start_a_software_filing(cast: Cast) -> None:
    cinema = cast.api.as_user(cast.factory.applicant(org_type=OrgType.CINEMA))
    assert "software_filing" not in [
        p["key"] for p in cinema.get("/api/v1/processes").get_json()["items"]
    ]
    assert "software_filing" in [
        p["key"] for p in cast.vendor.get("/api/v1/processes").get_json()["items"]
    ]
    assert "software_filing" in [
        p["key"] for p in cast.agent.get("/api/v1/processes").get_json()["items"]
    ]

    response = cinema.post(APPS, json={"process": "software_filing", "data": filing_data()})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert count_rows(cast.app, Application) == 0


# Submission -----------------------------------------------------------------------------


def refused_submission(cast: Cast, applicant: Api, application_id: str) -> dict[str, list[str]]:
    """Submit, expect 422, check that nothing changed; the errors."""
    before, rows = state(applicant, application_id), counts(cast.app)
    response = applicant.post(f"{APPS}/{application_id}/submit")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid"
    assert state(applicant, application_id) == before
    assert before["status"] == "draft" and before["number"] is None
    assert counts(cast.app) == rows
    assert cast.national.get(TASKS).get_json()["items"] == []
    return dict(response.get_json()["errors"])


def test_a_vendor_cannot_file_agent_software(cast: Cast) -> None:
    steps = cast.vendor_steps
    draft = steps.create(AGENT_SOFTWARE)
    steps.upload_materials(draft["id"], AGENT_SOFTWARE, package=package_zip())

    errors = refused_submission(cast, cast.vendor, draft["id"])

    assert list(errors) == ["variant"]


def test_an_agent_cannot_file_cinema_software(cast: Cast) -> None:
    steps = cast.agent_steps
    draft = steps.create(CINEMA_SOFTWARE)
    steps.upload_materials(draft["id"], CINEMA_SOFTWARE, package=package_zip())

    assert list(refused_submission(cast, cast.agent, draft["id"])) == ["variant"]


MISSING = [
    (variant, slot)
    for variant in (CINEMA_SOFTWARE, AGENT_SOFTWARE)
    for slot in (*COMMON_SLOTS, *VARIANT_SLOTS[variant])
]


@pytest.mark.parametrize(("variant", "missing"), MISSING)
def test_each_missing_material_is_reported_on_its_slot(
    cast: Cast, variant: str, missing: str
) -> None:
    applicant = cast.vendor if variant == CINEMA_SOFTWARE else cast.agent
    steps = cast.steps(applicant)
    draft = steps.create(variant)
    for slot in (*COMMON_SLOTS, *VARIANT_SLOTS[variant]):
        if slot != missing:
            steps.upload(draft["id"], slot, minimal_pdf(), f"{slot}.pdf")
    if variant == CINEMA_SOFTWARE:
        steps.upload(draft["id"], "install_package", package_zip(), "setup.zip")

    errors = refused_submission(cast, applicant, draft["id"])

    assert list(errors) == [missing]


def test_everything_missing_is_reported_at_once(cast: Cast) -> None:
    draft = cast.vendor_steps.create()
    errors = refused_submission(cast, cast.vendor, draft["id"])
    assert set(errors) == {*COMMON_SLOTS, *VARIANT_SLOTS[CINEMA_SOFTWARE], "install_package"}


def test_a_vendor_needs_the_package_or_its_link(cast: Cast) -> None:
    steps = cast.vendor_steps
    draft = steps.create()
    steps.upload_materials(draft["id"], CINEMA_SOFTWARE, package=None)

    assert list(refused_submission(cast, cast.vendor, draft["id"])) == ["install_package"]


def test_an_agent_needs_its_data_interface(cast: Cast) -> None:
    steps = cast.agent_steps
    draft = steps.create(AGENT_SOFTWARE, data_interface_url=None)
    steps.upload_materials(draft["id"], AGENT_SOFTWARE)

    assert list(refused_submission(cast, cast.agent, draft["id"])) == ["data_interface_url"]


def test_a_pdf_named_setup_zip_is_refused_at_upload(cast: Cast) -> None:
    draft = cast.vendor_steps.create()
    before, rows = state(cast.vendor, draft["id"]), counts(cast.app)

    response = cast.vendor.upload(
        f"{APPS}/{draft['id']}/documents", "install_package", minimal_pdf(), "setup.zip"
    )

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["file"]
    assert state(cast.vendor, draft["id"]) == before
    assert counts(cast.app) == rows


def test_submitting_twice_is_409_with_one_review_task(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()
    before, rows = state(cast.vendor, submitted["id"]), counts(cast.app)

    response = cast.vendor.post(f"{APPS}/{submitted['id']}/submit")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert state(cast.vendor, submitted["id"]) == before
    assert counts(cast.app) == rows
    assert len(cast.national.get(TASKS).get_json()["items"]) == 1


def test_no_withdrawal_once_the_materials_are_approved(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()
    cast.vendor_steps.decide(submitted["id"], "approve")
    before = state(cast.vendor, submitted["id"])

    response = cast.vendor.post(f"{APPS}/{submitted['id']}/withdraw")

    assert response.status_code == 409  # the contract: 409 once a reviewer has decided
    assert state(cast.vendor, submitted["id"]) == before


# The testing task -------------------------------------------------------------------------


def opened_for_testing(cast: Cast, **overrides: Any) -> tuple[str, str]:
    """A vendor's filing whose materials were approved: its id and the testing task's."""
    submitted = cast.vendor_steps.submitted(**overrides)
    cast.vendor_steps.decide(submitted["id"], "approve")
    return submitted["id"], cast.institute.open_task(submitted["id"])["id"]


def refused_completion(
    cast: Cast, client: Api, application_id: str, task_id: str, data: Any
) -> dict[str, list[str]]:
    """Complete, expect 422, check that nothing changed; the errors."""
    before, rows = state(cast.vendor, application_id), counts(cast.app)
    response = complete(client, task_id, data)
    assert response.status_code == 422, response.get_json()
    assert state(cast.vendor, application_id) == before
    assert counts(cast.app) == rows
    return dict(response.get_json()["errors"])


def upload_to_task(client: Api, task_id: str, slot: str, content: bytes, name: str) -> None:
    response = client.upload(f"{TASKS}/{task_id}/documents", slot, content, name)
    assert response.status_code == 201, response.get_json()


def test_the_test_needs_its_report(cast: Cast) -> None:
    app_id, task_id = opened_for_testing(cast)
    data = {"result": "pass", "report_number": "JC-2026-0815"}

    assert list(refused_completion(cast, cast.institute, app_id, task_id, data)) == ["test_report"]


def test_when_the_vendor_gave_only_a_link_the_institute_uploads_the_tested_package(
    cast: Cast,
) -> None:
    app_id, task_id = opened_for_testing(cast, package_url="https://dl.example.com/setup.zip")
    upload_to_task(cast.institute, task_id, "test_report", minimal_pdf(), "report.pdf")
    data = {"result": "pass", "report_number": "JC-2026-0815"}

    errors = refused_completion(cast, cast.institute, app_id, task_id, data)

    assert list(errors) == ["tested_package"]
    upload_to_task(cast.institute, task_id, "tested_package", package_zip(), "tested.zip")
    assert complete(cast.institute, task_id, data).status_code == 200


@pytest.mark.parametrize("result", ["maybe", "PASS", None])
def test_the_result_is_pass_or_fail(cast: Cast, result: Any) -> None:
    app_id, task_id = opened_for_testing(cast)
    upload_to_task(cast.institute, task_id, "test_report", minimal_pdf(), "report.pdf")
    data = {"result": result, "report_number": "JC-2026-0815"}

    assert list(refused_completion(cast, cast.institute, app_id, task_id, data)) == ["result"]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"decision": "approve", "comment": "可以备案"}, "decision"),
        ({"decision": "return"}, "comment"),
        ({"decision": "reject", "comment": "  "}, "comment"),
    ],
)
def test_the_failed_test_decision_is_return_or_reject_with_reasons(
    cast: Cast, data: dict[str, Any], key: str
) -> None:
    app_id, _ = opened_for_testing(cast)
    cast.vendor_steps.report(app_id, "fail")
    task = cast.national.open_task(app_id)

    assert key in refused_completion(cast, cast.national, app_id, task["id"], data)


def test_completing_the_same_task_twice_is_409(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()
    task = cast.national.open_task(submitted["id"])
    assert complete(cast.national, task["id"], {"decision": "approve"}).status_code == 200
    before, rows = state(cast.vendor, submitted["id"]), counts(cast.app)

    again = complete(cast.national, task["id"], {"decision": "reject", "comment": "重复提交"})

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    assert state(cast.vendor, submitted["id"]) == before
    assert counts(cast.app) == rows
    assert len([c for c in seen(cast.vendor, submitted["id"])["certificates"]]) == 1
