"""POST /api/v1/registrations: an enterprise signs itself up."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Organization, OrgType, User
from tests.helpers import PASSWORD, count_rows, make_uscc

URL = "/api/v1/registrations"


def registration(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "org_name": "长沙星光影城有限公司",
        "uscc": make_uscc(),
        "org_type": "cinema",
        "contact_name": "王经理",
        "mobile": "13912345678",
        "username": "xingguang",
        "password": PASSWORD,
    }
    payload.update(overrides)
    return payload


def counts(app: Flask) -> tuple[int, int]:
    return count_rows(app, Organization), count_rows(app, User)


def test_register_creates_organisation_and_user(app: Flask, client: FlaskClient) -> None:
    payload = registration()
    response = client.post(URL, json=payload)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    org = body["organization"]
    assert set(org) == {"id", "name", "uscc", "org_type"}
    assert org["name"] == "长沙星光影城有限公司"
    assert org["uscc"] == payload["uscc"]
    assert org["org_type"] == "cinema"
    assert isinstance(org["id"], int)
    user = body["user"]
    assert user["username"] == "xingguang"
    assert user["role"] == "applicant"
    assert user["organization_id"] == org["id"]
    assert "password" not in user
    assert "password_hash" not in user
    assert counts(app) == (1, 1)


def test_registered_user_can_get_a_token(client: FlaskClient) -> None:
    assert client.post(URL, json=registration()).status_code == 201
    response = client.post("/api/v1/tokens", json={"username": "xingguang", "password": PASSWORD})
    assert response.status_code == 201


def test_lower_case_uscc_is_stored_upper_case(client: FlaskClient) -> None:
    uscc = make_uscc()
    # A code ending in a letter shows the normalisation; find one.
    while uscc[-1].isdigit():
        uscc = make_uscc()
    response = client.post(URL, json=registration(uscc=uscc.lower()))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["organization"]["uscc"] == uscc


@pytest.mark.parametrize("org_type", [t.value for t in OrgType])
def test_every_listed_org_type_is_accepted(client: FlaskClient, org_type: str) -> None:
    response = client.post(URL, json=registration(org_type=org_type))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["organization"]["org_type"] == org_type


def _bad_check_digit() -> str:
    valid = make_uscc()
    wrong = "0" if valid[-1] != "0" else "1"
    return valid[:-1] + wrong


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uscc", _bad_check_digit()),
        ("uscc", make_uscc()[:17]),  # too short
        ("uscc", make_uscc() + "0"),  # too long
        ("uscc", "91430100MA4LIOSV0Z"),  # I, O, S, V, Z are not in the alphabet
        ("uscc", "9143010000000001-X"),
        ("uscc", ""),
        ("mobile", "12345678901"),  # second digit must be 3-9
        ("mobile", "1391234567"),  # 10 digits
        ("mobile", "139123456789"),  # 12 digits
        ("mobile", "+8613912345678"),
        ("mobile", "1391234567a"),
        ("mobile", ""),
        ("password", "Ab1-xyz"),  # too short
        ("password", "abcdefghijkl"),  # one character class
        ("password", "abcdefgh1234"),  # two character classes
        ("password", "Xingguang-2026"),  # contains the user name
        ("org_type", "bank"),
        ("org_type", "CINEMA"),
        ("org_type", ""),
        ("username", "ab"),  # too short
        ("username", "王经理"),
        ("username", "has space"),
        ("org_name", "   "),
        ("contact_name", ""),
        ("mobile", 13912345678),  # a number, not a string
    ],
)
def test_bad_field_is_refused_on_that_field(
    app: Flask, client: FlaskClient, field: str, value: Any
) -> None:
    response = client.post(URL, json=registration(**{field: value}))

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    assert field in body["errors"], body["errors"]
    assert counts(app) == (0, 0)


def test_bad_check_digit_is_reported_on_uscc_only(app: Flask, client: FlaskClient) -> None:
    response = client.post(URL, json=registration(uscc=_bad_check_digit()))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"uscc"}


@pytest.mark.parametrize(
    "field", ["org_name", "uscc", "org_type", "contact_name", "mobile", "username", "password"]
)
def test_missing_field_is_refused(app: Flask, client: FlaskClient, field: str) -> None:
    payload = registration()
    del payload[field]

    response = client.post(URL, json=payload)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert counts(app) == (0, 0)


def test_every_problem_is_listed_at_once(app: Flask, client: FlaskClient) -> None:
    response = client.post(URL, json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {
        "org_name",
        "uscc",
        "org_type",
        "contact_name",
        "mobile",
        "username",
        "password",
    }
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # no body at all
        {"json": ["org_name", "uscc"]},
        {"json": "registration"},
        {"json": None},
        {"data": "not json", "content_type": "application/json"},
        {"data": '{"org_name": "x"', "content_type": "application/json"},
        {"data": "org_name=x&uscc=y", "content_type": "application/x-www-form-urlencoded"},
        {"data": '{"org_name": "x"}', "content_type": "text/plain"},
    ],
    ids=["no-body", "list", "string", "null", "garbage", "truncated", "form", "text-plain"],
)
def test_body_that_is_not_a_json_object_is_refused(
    app: Flask, client: FlaskClient, kwargs: dict[str, Any]
) -> None:
    response = client.post(URL, **kwargs)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert counts(app) == (0, 0)


def test_registered_uscc_is_a_conflict(app: Flask, client: FlaskClient) -> None:
    uscc = make_uscc()
    assert client.post(URL, json=registration(uscc=uscc)).status_code == 201

    response = client.post(URL, json=registration(uscc=uscc, username="another"))

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert counts(app) == (1, 1)


def test_registered_username_is_a_conflict(app: Flask, client: FlaskClient) -> None:
    assert client.post(URL, json=registration(username="taken")).status_code == 201

    response = client.post(URL, json=registration(username="taken"))

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert counts(app) == (1, 1)


def test_user_names_are_case_insensitive(app: Flask, client: FlaskClient) -> None:
    created = client.post(URL, json=registration(username="XingGuang"))
    assert created.status_code == 201
    assert created.get_json()["user"]["username"] == "xingguang"
    for spelling in ("xingguang", "XINGGUANG", " XingGuang "):
        token = client.post("/api/v1/tokens", json={"username": spelling, "password": PASSWORD})
        assert token.status_code == 201, spelling
    before = counts(app)
    again = client.post(URL, json=registration(username="xingGUANG"))
    assert again.status_code == 409
    assert counts(app) == before
