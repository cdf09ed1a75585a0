"""Applications: create, list, read, save drafts, submit and resubmit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask

from portal.accounts.models import OrgType, Role, User
from portal.applications.models import Application
from tests.helpers import Api, Factory, cinema_data, count_rows

URL = "/api/v1/applications"
CONTRACT_KEYS = {
    "id",
    "number",
    "process",
    "version",
    "status",
    "data",
    "result",
    "documents",
    "tasks",
    "history",
    "certificates",
}


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


# Creating ------------------------------------------------------------------------------


def test_create_gives_a_draft_without_number(cinema: Api) -> None:
    response = cinema.post(URL, json={"process": "cinema_registration", "data": cinema_data()})

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= CONTRACT_KEYS
    assert body["status"] == "draft"
    assert body["number"] is None
    assert body["process"] == "cinema_registration"
    assert body["version"] == 1
    assert body["data"] == cinema_data()
    assert body["result"] == {}
    assert body["documents"] == []
    assert body["certificates"] == []
    assert [t["role"] for t in body["tasks"]] == ["applicant"]
    assert [h["action"] for h in body["history"]] == ["created"]


def test_a_draft_may_be_incomplete(cinema: Api) -> None:
    response = cinema.post(URL, json={"process": "cinema_registration", "data": {"name": "影城"}})

    assert response.status_code == 201
    data = response.get_json()["data"]
    assert data["name"] == "影城"
    assert data["address"] is None
    assert data["halls"] == []


def test_create_without_data_gives_an_empty_draft(cinema: Api) -> None:
    response = cinema.post(URL, json={"process": "cinema_registration"})
    assert response.status_code == 201
    assert response.get_json()["status"] == "draft"


def _halls(*rows: Any) -> dict[str, Any]:
    return {"halls": list(rows)}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (_halls({"name": "1号厅", "seats": "many"}), "halls.0.seats"),
        (
            _halls({"name": "1号厅", "seats": 100}, {"name": "2号厅", "seats": "many"}),
            "halls.1.seats",
        ),
        (_halls({"name": "1号厅", "seats": 0}), "halls.0.seats"),
        (_halls({"name": "1号厅", "seats": 3001}), "halls.0.seats"),
        (_halls({"name": "1号厅", "seats": True}), "halls.0.seats"),
        (_halls({"name": "1号厅", "seats": 80, "screen": "IMAX"}), "halls.0.screen"),
        (_halls("1号厅"), "halls.0"),
        ({"halls": "1号厅"}, "halls"),
        ({"halls": {"name": "1号厅", "seats": 80}}, "halls"),
        (_halls(*[{"name": f"{i}号厅", "seats": 80} for i in range(51)]), "halls"),
        ({"website": "https://example.com"}, "website"),
        ({"division_code": "999999"}, "division_code"),
        ({"division_code": "430000"}, "division_code"),  # a province, not a county
        ({"division_code": "430100"}, "division_code"),  # a prefecture
        ({"division_code": "43010"}, "division_code"),
        ({"division_code": 430102}, "division_code"),
        ({"contact_mobile": "12345"}, "contact_mobile"),
        ({"name": "影" * 101}, "name"),
        ({"name": ["星光影城"]}, "name"),
    ],
)
def test_malformed_data_is_refused_on_its_path(
    app: Flask, cinema: Api, data: dict[str, Any], path: str
) -> None:
    response = cinema.post(URL, json={"process": "cinema_registration", "data": data})

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    assert path in body["errors"], body["errors"]
    assert count_rows(app, Application) == 0


def test_every_malformed_value_is_listed_at_once(app: Flask, cinema: Api) -> None:
    data = cinema_data(division_code="999999", halls=[{"name": "1号厅", "seats": "many"}])
    data["unknown"] = 1

    response = cinema.post(URL, json={"process": "cinema_registration", "data": data})

    assert response.status_code == 422
    assert {"division_code", "halls.0.seats", "unknown"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ({"data": cinema_data()}, "process"),
        ({"process": "", "data": cinema_data()}, "process"),
        ({"process": 1, "data": cinema_data()}, "process"),
        ({"process": "cinema_registration", "data": []}, "data"),
        ({"process": "cinema_registration", "data": "name=影城"}, "data"),
    ],
)
def test_malformed_request_is_422(
    app: Flask, cinema: Api, payload: dict[str, Any], key: str
) -> None:
    response = cinema.post(URL, json=payload)
    assert response.status_code == 422
    assert key in response.get_json()["errors"]
    assert count_rows(app, Application) == 0


def test_body_must_be_a_json_object(app: Flask, cinema: Api) -> None:
    assert cinema.post(URL, json=["cinema_registration"]).status_code == 422
    assert cinema.post(URL).status_code == 422
    assert count_rows(app, Application) == 0


def test_unknown_process_is_404(app: Flask, cinema: Api) -> None:
    response = cinema.post(URL, json={"process": "no_such_process", "data": {}})
    assert response.status_code == 404
    assert count_rows(app, Application) == 0


def test_a_process_not_for_this_org_type_is_404(app: Flask, api: Api, factory: Factory) -> None:
    vendor = api.as_user(factory.applicant(org_type=OrgType.TICKETING_VENDOR))
    response = vendor.post(URL, json={"process": "cinema_registration", "data": cinema_data()})
    assert response.status_code == 404
    assert count_rows(app, Application) == 0


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.PROVINCIAL_REVIEWER, "43"), (Role.NATIONAL_REVIEWER, ""), (Role.ADMIN, "")],
)
def test_staff_cannot_create_applications(
    app: Flask, api: Api, factory: Factory, role: Role, scope: str
) -> None:
    staff = api.as_user(factory.staff(role, scope))
    response = staff.post(URL, json={"process": "cinema_registration", "data": cinema_data()})
    assert response.status_code == 404
    assert count_rows(app, Application) == 0


def test_unauthenticated_is_401(app: Flask, api: Api) -> None:
    response = api.post(URL, json={"process": "cinema_registration", "data": cinema_data()})
    assert response.status_code == 401
    assert count_rows(app, Application) == 0


# Listing and reading -------------------------------------------------------------------


def test_list_shows_the_organisations_applications(
    api: Api, factory: Factory, cinema_user: User, cinema: Api, other_cinema: Api
) -> None:
    first = cinema.new_cinema_application(name="一号影城")
    second = cinema.new_cinema_application(name="二号影城")
    other_cinema.new_cinema_application(name="别家影城")
    colleague = api.as_user(factory.colleague(cinema_user))

    mine = cinema.get(URL).get_json()["items"]
    theirs = colleague.get(URL).get_json()["items"]
    others = other_cinema.get(URL).get_json()["items"]

    assert [a["id"] for a in mine] == [second["id"], first["id"]]  # newest first
    assert [a["id"] for a in theirs] == [second["id"], first["id"]]
    assert first["id"] not in [a["id"] for a in others]
    assert len(others) == 1
    assert {"id", "number", "process", "version", "status"} <= set(mine[0])


def test_colleague_reads_and_edits_the_organisations_application(
    api: Api, factory: Factory, cinema_user: User, cinema: Api
) -> None:
    created = cinema.new_cinema_application()
    colleague = api.as_user(factory.colleague(cinema_user))

    assert colleague.get(f"{URL}/{created['id']}").status_code == 200
    response = colleague.patch(f"{URL}/{created['id']}", json={"data": {"circuit": "万达院线"}})
    assert response.status_code == 200
    assert response.get_json()["data"]["circuit"] == "万达院线"


def test_staff_list_what_is_in_their_scope(cinema: Api, hunan: Api, beijing: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    cinema.new_cinema_application()  # a draft: no reviewer has anything to do with it yet

    assert [a["id"] for a in hunan.get(URL).get_json()["items"]] == [submitted["id"]]
    assert beijing.get(URL).get_json()["items"] == []


def test_get_returns_the_contract_shape(cinema: Api) -> None:
    created = cinema.new_cinema_application()

    response = cinema.get(f"{URL}/{created['id']}")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= CONTRACT_KEYS
    assert body["id"] == created["id"]
    entry = body["history"][0]
    assert {"at", "actor", "action", "task", "decision", "comment"} <= set(entry)
    assert entry["at"].endswith("+08:00")


@pytest.mark.parametrize(
    "application_id",
    ["00000000-0000-0000-0000-000000000000", "7d4f0b7e-0d0a-4c8c-9d62-2b1bd1f1a000", "42", "x"],
)
def test_unknown_or_malformed_id_is_404(cinema: Api, application_id: str) -> None:
    cinema.new_cinema_application()
    response = cinema.get(f"{URL}/{application_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# Saving drafts -------------------------------------------------------------------------


def test_patch_merges_into_the_draft(cinema: Api) -> None:
    created = cinema.new_cinema_application(circuit="旧院线")

    response = cinema.patch(
        f"{URL}/{created['id']}",
        json={"data": {"circuit": "万达院线", "halls": [{"name": "IMAX厅", "seats": 300}]}},
    )

    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["circuit"] == "万达院线"
    assert data["halls"] == [{"name": "IMAX厅", "seats": 300}]
    assert data["name"] == "星光影城"  # untouched fields stay
    assert data["division_code"] == "430102"
    assert cinema.get(f"{URL}/{created['id']}").get_json()["data"] == data
    assert response.get_json()["history"][-1]["action"] == "saved"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"halls": [{"name": "1号厅", "seats": "many"}]}, "halls.0.seats"),
        ({"division_code": "430000"}, "division_code"),
        ({"nickname": "星光"}, "nickname"),
    ],
)
def test_invalid_patch_changes_nothing(cinema: Api, data: dict[str, Any], path: str) -> None:
    created = cinema.new_cinema_application()
    before = cinema.get(f"{URL}/{created['id']}").get_json()

    response = cinema.patch(f"{URL}/{created['id']}", json={"data": {"circuit": "新院线", **data}})

    assert response.status_code == 422
    assert path in response.get_json()["errors"]
    after = cinema.get(f"{URL}/{created['id']}").get_json()
    assert after["data"] == before["data"]
    assert after["history"] == before["history"]


@pytest.mark.parametrize("payload", [{}, {"data": None}, {"data": []}, {"data": "x"}])
def test_patch_needs_a_data_object(cinema: Api, payload: dict[str, Any]) -> None:
    created = cinema.new_cinema_application()
    response = cinema.patch(f"{URL}/{created['id']}", json=payload)
    assert response.status_code == 422
    assert "data" in response.get_json()["errors"]


def test_patch_after_submit_is_409(cinema: Api) -> None:
    submitted = cinema.submitted_cinema_application()

    response = cinema.patch(f"{URL}/{submitted['id']}", json={"data": {"circuit": "万达院线"}})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert cinema.get(f"{URL}/{submitted['id']}").get_json()["data"]["circuit"] == "湖南潇湘院线"


def test_reviewer_may_not_patch(cinema: Api, hunan: Api) -> None:
    """The reviewer can see the application, so it is 403 (not 404): seen, not theirs to edit."""
    submitted = cinema.submitted_cinema_application()
    response = hunan.patch(f"{URL}/{submitted['id']}", json={"data": {"circuit": "万达院线"}})
    assert response.status_code == 403


# Submitting ----------------------------------------------------------------------------


def test_submit_lists_every_missing_field_and_document_and_changes_nothing(
    cinema: Api, hunan: Api
) -> None:
    data = cinema_data()
    del data["name"], data["address"]
    created = cinema.post(URL, json={"process": "cinema_registration", "data": data}).get_json()

    response = cinema.post(f"{URL}/{created['id']}/submit")

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"name", "address", "business_licence", "screening_licence"} <= set(errors)
    after = cinema.get(f"{URL}/{created['id']}").get_json()
    assert after["status"] == "draft"
    assert after["number"] is None
    assert after["submitted_at"] is None
    assert "submitted" not in [h["action"] for h in after["history"]]
    assert hunan.get("/api/v1/tasks").get_json()["items"] == []


def test_a_failed_submission_uses_no_acceptance_number(cinema: Api) -> None:
    created = cinema.new_cinema_application()
    assert cinema.post(f"{URL}/{created['id']}/submit").status_code == 422  # no documents

    cinema.upload_licences(created["id"])
    response = cinema.post(f"{URL}/{created['id']}/submit")

    assert response.status_code == 200
    assert response.get_json()["number"] == f"YYZC-{this_year()}-000001"


def test_submit_gives_status_number_and_review_task(cinema: Api) -> None:
    submitted = cinema.submitted_cinema_application()

    assert submitted["status"] == "submitted"
    assert submitted["number"] == f"YYZC-{this_year()}-000001"
    assert submitted["submitted_at"].endswith("+08:00")
    assert [(t["role"], t["assignee"]) for t in submitted["tasks"]] == [
        ("provincial_reviewer", None)
    ]


def test_second_submission_is_409(cinema: Api) -> None:
    submitted = cinema.submitted_cinema_application()

    response = cinema.post(f"{URL}/{submitted['id']}/submit")

    assert response.status_code == 409
    after = cinema.get(f"{URL}/{submitted['id']}").get_json()
    assert [h["action"] for h in after["history"]].count("submitted") == 1
    assert len(after["tasks"]) == 1


def test_submit_of_someone_elses_application_is_404(cinema: Api, other_cinema: Api) -> None:
    created = cinema.new_cinema_application()
    cinema.upload_licences(created["id"])

    response = other_cinema.post(f"{URL}/{created['id']}/submit")

    assert response.status_code == 404
    assert cinema.get(f"{URL}/{created['id']}").get_json()["status"] == "draft"


def test_resubmission_after_return_keeps_the_number(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    assert hunan.decide(submitted["id"], "return", "影厅座位数有误").status_code == 200
    url = f"{URL}/{submitted['id']}"

    returned = cinema.get(url).get_json()
    assert returned["status"] == "returned"
    patched = cinema.patch(url, json={"data": {"halls": [{"name": "1号厅", "seats": 118}]}})
    assert patched.status_code == 200
    again = cinema.post(f"{url}/submit")

    assert again.status_code == 200
    body = again.get_json()
    assert body["status"] == "submitted"
    assert body["number"] == submitted["number"]
    assert body["submitted_at"] == submitted["submitted_at"]
    assert body["data"]["halls"] == [{"name": "1号厅", "seats": 118}]
    assert [h["action"] for h in body["history"]].count("resubmitted") == 1
    # Nothing more was drawn from the numbering: the next application gets 000002.
    assert cinema.submitted_cinema_application()["number"] == f"YYZC-{this_year()}-000002"


def test_acceptance_numbers_are_sequential_and_unique(
    cinema: Api, other_cinema: Api, factory: Factory
) -> None:
    numbers = [
        cinema.submitted_cinema_application()["number"],
        other_cinema.submitted_cinema_application()["number"],
        cinema.submitted_cinema_application()["number"],
    ]
    year = this_year()
    assert numbers == [f"YYZC-{year}-000001", f"YYZC-{year}-000002", f"YYZC-{year}-000003"]


def test_acceptance_number_year_is_the_china_year(api: Api, cinema_user: User) -> None:
    # 16:30 UTC on New Year's Eve is already 00:30 on 1 January in China.
    with time_machine.travel(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        submitted = api.as_user(cinema_user).submitted_cinema_application()
    assert submitted["number"] == "YYZC-2027-000001"
    assert submitted["submitted_at"] == "2027-01-01T00:30:00+08:00"


def test_acceptance_numbers_restart_each_year(api: Api, cinema_user: User) -> None:
    with time_machine.travel(datetime(2026, 6, 1, 2, 0, tzinfo=UTC), tick=False):
        cinema = api.as_user(cinema_user)
        first = cinema.submitted_cinema_application()["number"]
        second = cinema.submitted_cinema_application()["number"]
    with time_machine.travel(datetime(2027, 2, 1, 2, 0, tzinfo=UTC), tick=False):
        third = api.as_user(cinema_user).submitted_cinema_application()["number"]
    assert [first, second, third] == ["YYZC-2026-000001", "YYZC-2026-000002", "YYZC-2027-000001"]
