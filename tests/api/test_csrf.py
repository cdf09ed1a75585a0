"""API calls authenticated by the page session cookie must carry the CSRF token.

The sign-in page is built elsewhere, so these tests put the user into the
session the way Flask-Login does after a sign-in: the user id, freshness and
the "strong" session-protection identifier of this client (remote address
and user agent).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, session
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from flask_wtf.csrf import generate_csrf

from portal.accounts.models import User
from tests.helpers import PASSWORD, Factory, cinema_data, make_uscc


@pytest.fixture
def csrf_app(app_config: dict[str, Any], request: pytest.FixtureRequest) -> Flask:
    app_config["WTF_CSRF_ENABLED"] = True
    app: Flask = request.getfixturevalue("app")
    return app


def sign_in_with_cookie(app: Flask, client: FlaskClient, user: User) -> str:
    """Put ``user`` into ``client``'s session; return a valid CSRF token for it."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
        token = generate_csrf()
        raw_token = session["csrf_token"]
    with client.session_transaction() as stored:
        stored["_user_id"] = user.get_id()
        stored["_fresh"] = True
        stored["_id"] = identifier
        stored["csrf_token"] = raw_token
    return token


def new_application(client: FlaskClient, **headers: str) -> Any:
    return client.post(
        "/api/v1/applications",
        json={"process": "cinema_registration", "data": cinema_data()},
        headers=headers,
    )


def test_reading_needs_no_token(csrf_app: Flask) -> None:
    factory = _factory(csrf_app)
    client = csrf_app.test_client()
    sign_in_with_cookie(csrf_app, client, factory.applicant())

    response = client.get("/api/v1/applications")

    assert response.status_code == 200
    assert response.get_json() == {"items": [], "next": None}


def test_without_a_session_it_is_401(csrf_app: Flask) -> None:
    assert csrf_app.test_client().get("/api/v1/applications").status_code == 401


@pytest.mark.parametrize("header", [None, "", "not-a-token"])
def test_post_without_a_valid_token_is_403(csrf_app: Flask, header: str | None) -> None:
    factory = _factory(csrf_app)
    client = csrf_app.test_client()
    sign_in_with_cookie(csrf_app, client, factory.applicant())
    headers = {} if header is None else {"X-CSRFToken": header}

    response = new_application(client, **headers)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/applications").get_json() == {"items": [], "next": None}


def test_post_and_patch_with_the_token_succeed(csrf_app: Flask) -> None:
    factory = _factory(csrf_app)
    client = csrf_app.test_client()
    token = sign_in_with_cookie(csrf_app, client, factory.applicant())

    created = new_application(client, **{"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/applications/{created.get_json()['id']}"

    refused = client.patch(url, json={"data": {"circuit": "万达院线"}})
    patched = client.patch(
        url, json={"data": {"circuit": "万达院线"}}, headers={"X-CSRFToken": token}
    )

    assert refused.status_code == 403
    assert patched.status_code == 200
    assert patched.get_json()["data"]["circuit"] == "万达院线"


def test_a_token_of_another_session_is_refused(csrf_app: Flask) -> None:
    factory = _factory(csrf_app)
    client, other = csrf_app.test_client(), csrf_app.test_client()
    sign_in_with_cookie(csrf_app, client, factory.applicant())
    foreign_token = sign_in_with_cookie(csrf_app, other, factory.applicant())

    response = new_application(client, **{"X-CSRFToken": foreign_token})

    assert response.status_code == 403


def test_a_bearer_token_needs_no_csrf_token(csrf_app: Flask) -> None:
    factory = _factory(csrf_app)
    user = factory.applicant()
    client = csrf_app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"username": user.username, "password": PASSWORD}
    ).get_json()["token"]

    response = new_application(client, Authorization=f"Bearer {token}")

    assert response.status_code == 201


def test_the_session_of_a_disabled_user_stops_working(csrf_app: Flask) -> None:
    factory = _factory(csrf_app)
    user = factory.applicant()
    client = csrf_app.test_client()
    sign_in_with_cookie(csrf_app, client, user)
    factory.disable(user)

    assert client.get("/api/v1/applications").status_code == 401


def _factory(app: Flask) -> Factory:
    return Factory(app)


def test_programs_need_no_csrf_token_with_csrf_protection_on(csrf_app: Flask) -> None:
    """Registration and sign-in are what a program does first: no cookie, no CSRF token."""
    client = csrf_app.test_client()
    registration = {
        "org_name": "长沙星光影城有限公司",
        "uscc": make_uscc(),
        "org_type": "cinema",
        "contact_name": "王经理",
        "mobile": "13912345678",
        "username": "xingguang",
        "password": PASSWORD,
    }

    registered = client.post("/api/v1/registrations", json=registration)
    token = client.post("/api/v1/tokens", json={"username": "xingguang", "password": PASSWORD})

    assert registered.status_code == 201, registered.get_json()
    assert token.status_code == 201, token.get_json()
