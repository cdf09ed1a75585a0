"""POST /api/v1/tokens and bearer authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, Api, Factory

URL = "/api/v1/tokens"


def test_token_for_good_credentials(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")
    before = datetime.now(UTC)

    response = client.post(URL, json={"username": "cinema1", "password": PASSWORD})

    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    assert body["expires_at"].endswith("+08:00")
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=12) <= expires <= datetime.now(UTC) + timedelta(hours=12)
    seen = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {body['token']}"})
    assert seen.status_code == 200


def test_each_sign_in_gets_its_own_token(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")
    first = client.post(URL, json={"username": "cinema1", "password": PASSWORD}).get_json()
    second = client.post(URL, json={"username": "cinema1", "password": PASSWORD}).get_json()
    assert first["token"] != second["token"]


def test_wrong_password_and_unknown_user_look_the_same(
    client: FlaskClient, factory: Factory
) -> None:
    factory.applicant(username="cinema1")

    wrong = client.post(URL, json={"username": "cinema1", "password": "Wrong-Pass-2026"})
    unknown = client.post(URL, json={"username": "nobody", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "unauthorized"
    assert "token" not in wrong.get_json()


def test_a_disabled_user_gets_no_token(client: FlaskClient, factory: Factory) -> None:
    user = factory.applicant(username="cinema1")
    unknown = client.post(URL, json={"username": "nobody", "password": PASSWORD})
    factory.disable(user)

    response = client.post(URL, json={"username": "cinema1", "password": PASSWORD})

    assert response.status_code == 401
    assert response.get_json() == unknown.get_json()


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "cinema1"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 42, "password": PASSWORD}, {"username"}),
        ({"username": "cinema1", "password": ["x"]}, {"password"}),
    ],
)
def test_missing_fields_are_refused(
    client: FlaskClient, factory: Factory, payload: dict[str, Any], missing: set[str]
) -> None:
    factory.applicant(username="cinema1")
    response = client.post(URL, json=payload)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == missing


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"json": ["cinema1", PASSWORD]}, {"data": "username=cinema1"}],
    ids=["no-body", "list", "form"],
)
def test_body_must_be_a_json_object(client: FlaskClient, kwargs: dict[str, Any]) -> None:
    response = client.post(URL, **kwargs)
    assert response.status_code == 422


def test_token_expires(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        body = client.post(URL, json={"username": "cinema1", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert datetime.fromisoformat(body["expires_at"]) == start + timedelta(hours=12)

    with time_machine.travel(start + timedelta(hours=11, minutes=59), tick=False):
        assert client.get("/api/v1/applications", headers=headers).status_code == 200
    with time_machine.travel(start + timedelta(hours=12), tick=False):
        response = client.get("/api/v1/applications", headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_lifetime_follows_configuration(
    app_config: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    app_config["API_TOKEN_TTL_HOURS"] = 1
    factory: Factory = request.getfixturevalue("factory")
    factory.applicant(username="cinema1")
    client = factory.app.test_client()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        body = client.post(URL, json={"username": "cinema1", "password": PASSWORD}).get_json()
    assert datetime.fromisoformat(body["expires_at"]) == start + timedelta(hours=1)


@pytest.mark.parametrize(
    "header",
    [
        "Basic Y2luZW1hMTpQb3J0YWwtVGVzdC0yMDI2",
        "Token abc",
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "bearer " + "x" * 43,
        "abc",
    ],
)
def test_bad_authorization_header_is_401(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/applications", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_401_with_challenge(client: FlaskClient) -> None:
    response = client.get("/api/v1/applications")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_disabled_users_token_stops_working(api: Api, factory: Factory) -> None:
    user = factory.applicant()
    signed_in = api.as_user(user)
    assert signed_in.get("/api/v1/applications").status_code == 200

    factory.disable(user)

    response = signed_in.get("/api/v1/applications")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
