"""Errors are JSON in one shape, in the reader's language; rate limits; security headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, Api, Factory


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) >= {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/no-such-thing"),
        ("get", "/api/v1/applications/x/y/z"),
        ("post", "/api/v1/no-such-thing"),
        ("get", "/api/v2/applications"),
    ],
)
def test_unknown_route_is_404_json(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert response.is_json
    assert_error_shape(response.get_json(), "not_found")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("delete", "/api/v1/tokens"),
        ("get", "/api/v1/tokens"),
        ("put", "/api/v1/applications"),
        ("delete", "/api/v1/registrations"),
    ],
)
def test_wrong_method_is_405_json(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response.is_json
    assert_error_shape(response.get_json(), "method_not_allowed")
    assert "POST" in response.headers["Allow"]  # RFC 9110: say what is allowed


@pytest.mark.parametrize(
    ("language", "not_found", "not_allowed"),
    [
        (None, "未找到。", "此处不允许该请求方法。"),
        ("en", "Not found.", "This method is not allowed here."),
    ],
)
def test_protocol_errors_speak_the_readers_language(
    client: FlaskClient, language: str | None, not_found: str, not_allowed: str
) -> None:
    headers = {"Accept-Language": language} if language else {}
    missing = client.get("/api/v1/no-such-thing", headers=headers).get_json()
    assert missing["error"]["message"] == not_found
    wrong = client.delete("/api/v1/tokens", headers=headers).get_json()
    assert wrong["error"]["message"] == not_allowed


def test_the_405_page_says_what_is_allowed(client: FlaskClient) -> None:
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_service_errors_have_the_same_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/applications")
    assert_error_shape(response.get_json(), "unauthorized")


def test_validation_errors_add_the_field_messages(client: FlaskClient) -> None:
    response = client.post("/api/v1/tokens", json={})
    body = response.get_json()
    assert_error_shape(body, "invalid")
    assert set(body["errors"]) == {"username", "password"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


# Language ------------------------------------------------------------------------------


def test_messages_are_chinese_by_default(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")

    unauthenticated = client.get("/api/v1/applications").get_json()
    wrong = client.post(
        "/api/v1/tokens", json={"username": "cinema1", "password": "Wrong-2026"}
    ).get_json()
    invalid = client.post("/api/v1/tokens", json={"username": "cinema1"}).get_json()

    assert unauthenticated["error"]["message"] == "需要身份认证。"
    assert wrong["error"]["message"] == "用户名或密码错误。"
    assert has_chinese(invalid["error"]["message"])
    assert invalid["errors"]["password"] == ["此项为必填项。"]


def test_messages_are_english_on_request(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")
    english = {"Accept-Language": "en"}

    unauthenticated = client.get("/api/v1/applications", headers=english).get_json()
    wrong = client.post(
        "/api/v1/tokens",
        json={"username": "cinema1", "password": "Wrong-2026"},
        headers=english,
    ).get_json()
    invalid = client.post(
        "/api/v1/tokens", json={"username": "cinema1"}, headers=english
    ).get_json()

    assert unauthenticated["error"]["message"] == "Authentication required."
    assert wrong["error"]["message"] == "Wrong user name or password."
    assert invalid["error"]["message"] == "Invalid input."
    assert invalid["errors"]["password"] == ["This field is required."]


@pytest.mark.parametrize(
    ("header", "english"),
    [("en-US,en;q=0.9", True), ("zh-CN,zh;q=0.9,en;q=0.5", False), ("fr", False)],
)
def test_language_follows_accept_language(client: FlaskClient, header: str, english: bool) -> None:
    message = client.get("/api/v1/applications", headers={"Accept-Language": header}).get_json()[
        "error"
    ]["message"]
    assert (message == "Authentication required.") is english
    assert has_chinese(message) is not english


def test_form_validation_messages_follow_the_language(cinema: Api) -> None:
    payload = {"process": "cinema_registration", "data": {"halls": [{"name": "1", "seats": "x"}]}}
    chinese = cinema.post("/api/v1/applications", json=payload).get_json()
    english = cinema.client.post(
        "/api/v1/applications",
        json=payload,
        headers={"Authorization": f"Bearer {cinema.token}", "Accept-Language": "en"},
    ).get_json()

    assert has_chinese(chinese["errors"]["halls.0.seats"][0])
    assert not has_chinese(english["errors"]["halls.0.seats"][0])


# Rate limiting -------------------------------------------------------------------------


@pytest.fixture
def limited_app(app_config: dict[str, Any], request: pytest.FixtureRequest) -> Flask:
    app_config["RATELIMIT_ENABLED"] = True
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"
    app: Flask = request.getfixturevalue("app")
    return app


def test_the_fourth_sign_in_in_a_minute_is_429(limited_app: Flask) -> None:
    factory = Factory(limited_app)
    factory.applicant(username="cinema1")
    client = limited_app.test_client()
    wrong = {"username": "cinema1", "password": "Wrong-2026"}

    statuses = [client.post("/api/v1/tokens", json=wrong).status_code for _ in range(3)]
    response = client.post("/api/v1/tokens", json={"username": "cinema1", "password": PASSWORD})

    assert statuses == [401, 401, 401]
    assert response.status_code == 429
    assert response.is_json
    assert_error_shape(response.get_json(), "too_many_requests")
    assert int(response.headers["Retry-After"]) > 0


def test_registrations_are_rate_limited(
    app_config: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    app_config["RATELIMIT_ENABLED"] = True
    app_config["REGISTRATION_RATE_LIMIT"] = "2 per hour"
    client = request.getfixturevalue("app").test_client()

    statuses = [client.post("/api/v1/registrations", json={}).status_code for _ in range(3)]

    assert statuses == [422, 422, 429]


def test_rate_limit_is_off_when_disabled(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema1")
    wrong = {"username": "cinema1", "password": "Wrong-2026"}
    statuses = {client.post("/api/v1/tokens", json=wrong).status_code for _ in range(12)}
    assert statuses == {401}


# Security headers ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/applications", "/api/v1/no-such-thing"])
def test_api_responses_carry_security_headers(client: FlaskClient, url: str) -> None:
    response = client.get(url)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_downloads_carry_security_headers(cinema: Api) -> None:
    created = cinema.submitted_cinema_application()
    document = created["documents"][0]
    response = cinema.download(f"/api/v1/documents/{document['id']}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
