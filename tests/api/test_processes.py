"""GET /api/v1/processes: what the caller may start, and its start form."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from portal.accounts.models import OrgType, Role
from tests.helpers import Api, Factory

MIB = 1024 * 1024


def test_a_cinema_may_start_cinema_registration(api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant(org_type=OrgType.CINEMA))

    response = cinema.get("/api/v1/processes")

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["key"], i["name"], i["version"]) for i in items] == [
        ("cinema_registration", "电影院注册", 1),
        ("refund_backfill", "退票和补登审批", 1),
    ]


def test_a_ticketing_vendor_may_not(api: Api, factory: Factory) -> None:
    vendor = api.as_user(factory.applicant(org_type=OrgType.TICKETING_VENDOR))

    listed = vendor.get("/api/v1/processes")
    one = vendor.get("/api/v1/processes/cinema_registration")

    assert listed.status_code == 200
    assert "cinema_registration" not in [i["key"] for i in listed.get_json()["items"]]
    assert one.status_code == 404
    assert one.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", [Role.PROVINCIAL_REVIEWER, Role.NATIONAL_REVIEWER, Role.ADMIN])
def test_staff_start_nothing(api: Api, factory: Factory, role: Role) -> None:
    scope = "43" if role is Role.PROVINCIAL_REVIEWER else ""
    staff = api.as_user(factory.staff(role, scope))

    assert staff.get("/api/v1/processes").get_json() == {"items": []}
    assert staff.get("/api/v1/processes/cinema_registration").status_code == 404


def test_the_start_form_describes_fields_and_slots(api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant())

    response = cinema.get("/api/v1/processes/cinema_registration")

    assert response.status_code == 200
    body = response.get_json()
    assert body["key"] == "cinema_registration"
    assert body["version"] == 1
    form = body["form"]
    fields = {f["key"]: f for f in form["fields"]}
    assert set(fields) == {
        "name",
        "address",
        "division_code",
        "circuit",
        "halls",
        "contact_name",
        "contact_mobile",
    }
    assert all(f["required"] for f in fields.values())
    assert fields["halls"]["kind"] == "list"
    assert [c["key"] for c in fields["halls"]["children"]] == ["name", "seats"]
    slots = {s["key"]: s for s in form["slots"]}
    assert set(slots) == {"business_licence", "screening_licence"}
    for slot in slots.values():
        assert slot["accept"] == ["pdf", "jpg", "jpeg", "png"]
        assert slot["max_size"] == 20 * MIB
        assert slot["required"] is True


def test_unknown_process_is_404(api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant())
    response = cinema.get("/api/v1/processes/no_such_process")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", ["/api/v1/processes", "/api/v1/processes/cinema_registration"])
def test_unauthenticated_is_401(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
