"""Nobody sees another organisation's or another province's records: always 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.accounts.models import OrgType, Role
from tests.helpers import Api, Factory, minimal_pdf

APPS = "/api/v1/applications"

Outsider = Callable[[Api, Factory], Api]

OUTSIDERS: dict[str, Outsider] = {
    "other-cinema": lambda api, f: api.as_user(f.applicant()),
    "vendor": lambda api, f: api.as_user(f.applicant(org_type=OrgType.TICKETING_VENDOR)),
    "beijing-province": lambda api, f: api.as_user(f.staff(Role.PROVINCIAL_REVIEWER, "11")),
    "beijing-county": lambda api, f: api.as_user(f.staff(Role.COUNTY_REVIEWER, "110101")),
    "national": lambda api, f: api.as_user(f.staff(Role.NATIONAL_REVIEWER)),
    "culture-hunan": lambda api, f: api.as_user(f.staff(Role.CULTURE_REVIEWER, "43")),
}


@pytest.fixture(params=sorted(OUTSIDERS))
def outsider(request: pytest.FixtureRequest, api: Api, factory: Factory) -> Api:
    return OUTSIDERS[request.param](api, factory)


@pytest.fixture
def submitted(cinema: Api) -> dict[str, Any]:
    """A submitted cinema application in Changsha (Hunan)."""
    return cinema.submitted_cinema_application()


def application_calls(application: dict[str, Any]) -> list[tuple[str, str, Any]]:
    url = f"{APPS}/{application['id']}"
    document = application["documents"][0]["id"]
    return [
        ("get", url, None),
        ("patch", url, {"data": {"circuit": "万达院线"}}),
        ("post", f"{url}/submit", None),
        ("post", f"{url}/withdraw", None),
        ("upload", f"{url}/documents", None),
        ("download", f"/api/v1/documents/{document}", None),
    ]


def call(client: Api, method: str, url: str, payload: Any) -> Any:
    if method == "upload":
        return client.upload(url, "business_licence", minimal_pdf())
    if method == "download":
        return client.download(url)
    return getattr(client, method)(url, json=payload) if method != "get" else client.get(url)


def test_outsiders_get_404_for_everything_about_the_application(
    cinema: Api, submitted: dict[str, Any], outsider: Api
) -> None:
    for method, url, payload in application_calls(submitted):
        response = call(outsider, method, url, payload)
        assert response.status_code == 404, (method, url, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    assert submitted["id"] not in [a["id"] for a in outsider.get(APPS).get_json()["items"]]
    after = cinema.get(f"{APPS}/{submitted['id']}").get_json()
    assert after["status"] == "submitted"
    assert after["data"] == submitted["data"]
    assert len(after["documents"]) == 2


def test_outsiders_get_404_for_everything_about_the_task(
    cinema: Api, hunan: Api, submitted: dict[str, Any], outsider: Api
) -> None:
    task = hunan.open_task(submitted["id"])
    url = f"/api/v1/tasks/{task['id']}"

    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}/claim").status_code == 404
    assert (
        outsider.post(f"{url}/complete", json={"data": {"decision": "approve"}}).status_code == 404
    )
    assert outsider.upload(f"{url}/documents", "report", minimal_pdf()).status_code == 404
    assert task["id"] not in [t["id"] for t in outsider.get("/api/v1/tasks").get_json()["items"]]
    assert hunan.open_task(submitted["id"])["assignee"] is None


def test_the_reviewer_in_scope_reads_the_application(hunan: Api, submitted: dict[str, Any]) -> None:
    response = hunan.get(f"{APPS}/{submitted['id']}")
    assert response.status_code == 200
    assert response.get_json()["data"] == submitted["data"]


def test_a_reviewer_keeps_seeing_what_they_decided(hunan: Api, submitted: dict[str, Any]) -> None:
    hunan.decide(submitted["id"], "approve")
    assert hunan.get(f"{APPS}/{submitted['id']}").status_code == 200
    assert [a["id"] for a in hunan.get(APPS).get_json()["items"]] == [submitted["id"]]


def test_a_draft_is_invisible_to_reviewers(cinema: Api, hunan: Api) -> None:
    draft = cinema.new_cinema_application()
    assert hunan.get(f"{APPS}/{draft['id']}").status_code == 404
    assert hunan.get(APPS).get_json()["items"] == []


def test_scope_follows_the_cinemas_division(cinema: Api, hunan: Api, beijing: Api) -> None:
    in_beijing = cinema.submitted_cinema_application(division_code="110101")
    assert beijing.open_task(in_beijing["id"])["role"] == "provincial_reviewer"
    assert hunan.get(f"{APPS}/{in_beijing['id']}").status_code == 404
    assert hunan.get("/api/v1/tasks").get_json()["items"] == []


def test_admin_reads_every_application_but_acts_on_no_task(
    api: Api, factory: Factory, hunan: Api, submitted: dict[str, Any]
) -> None:
    admin = api.as_user(factory.staff(Role.ADMIN))
    task = hunan.open_task(submitted["id"])

    assert admin.get(f"{APPS}/{submitted['id']}").status_code == 200
    assert admin.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 404
