"""Settings read from the environment; rate limits per client, behind proxies and
shared between machines through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from portal.core.config import ConfigError, Settings
from tests.helpers import make_uscc

REDIS_URL = "redis://127.0.0.1:6379"
WRONG = {"username": "nobody", "password": "Wrong-Pass-2026"}


def test_rate_limits_and_proxies_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORTAL_ENV": "testing",
            "LOGIN_RATE_LIMIT": "5 per minute",
            "REGISTRATION_RATE_LIMIT": "3 per hour",
            "PROGRESS_RATE_LIMIT": "2 per minute",
            "TRUSTED_PROXIES": "2",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
        },
        instance_path=str(tmp_path),
    )
    config = settings.as_flask_config()
    assert config["LOGIN_RATE_LIMIT"] == "5 per minute"
    assert config["REGISTRATION_RATE_LIMIT"] == "3 per hour"
    assert config["PROGRESS_RATE_LIMIT"] == "2 per minute"
    assert config["TRUSTED_PROXIES"] == 2
    assert config["RATELIMIT_STORAGE_URI"] == REDIS_URL


def test_defaults_without_the_environment(tmp_path: Path) -> None:
    config = Settings.from_env(
        {"PORTAL_ENV": "testing"}, instance_path=str(tmp_path)
    ).as_flask_config()
    assert config["LOGIN_RATE_LIMIT"] == "10 per minute"
    assert config["REGISTRATION_RATE_LIMIT"] == "20 per hour"
    assert config["PROGRESS_RATE_LIMIT"] == "10 per minute;60 per hour"
    assert config["TRUSTED_PROXIES"] == 0
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_bad_proxy_count_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        Settings.from_env(
            {"PORTAL_ENV": "testing", "TRUSTED_PROXIES": value}, instance_path=str(tmp_path)
        )


def _limited(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask], **extra: str
) -> Flask:
    # Strings in the test configuration are read as the environment (Settings.from_env).
    return make_app(
        {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute", **extra}
    )


def _sign_in(client: FlaskClient, forwarded_for: str) -> int:
    response = client.post("/api/v1/tokens", json=WRONG, headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    app = _limited(app_config, make_app, TRUSTED_PROXIES="1")
    client = app.test_client()

    first = [_sign_in(client, "203.0.113.1") for _ in range(3)]
    second = _sign_in(client, "203.0.113.2")

    assert first == [401, 401, 429]
    assert second == 401  # another person behind the same proxy


def test_without_trusted_proxies_forwarded_addresses_are_ignored(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    app = _limited(app_config, make_app)
    client = app.test_client()

    first = [_sign_in(client, "203.0.113.1") for _ in range(2)]
    second = _sign_in(client, "203.0.113.2")  # a forged header changes nothing

    assert first == [401, 401]
    assert second == 429


def test_the_registration_page_is_rate_limited(
    app_config: dict[str, Any], make_app: Callable[[dict[str, Any]], Flask]
) -> None:
    app = make_app(
        {**app_config, "RATELIMIT_ENABLED": True, "REGISTRATION_RATE_LIMIT": "2 per hour"}
    )
    client = app.test_client()
    data = {"org_name": "长沙星光影城有限公司", "uscc": make_uscc(), "username": "xingguang"}

    statuses = [client.post("/auth/register", data=data).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]  # two refused forms, then the limit
    assert client.get("/auth/register").status_code == 200  # only submissions count


@pytest.fixture
def redis_prefix() -> Any:
    """A key prefix of this test's own in the real Redis, removed afterwards."""
    prefix = f"portal-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    server.close()


def test_two_machines_share_one_limit_through_redis(
    app_config: dict[str, Any],
    make_app: Callable[[dict[str, Any]], Flask],
    redis_prefix: str,
) -> None:
    shared = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    first_machine = _limited(app_config, make_app, **shared).test_client()
    second_machine = _limited(app_config, make_app, **shared).test_client()

    counted = [
        first_machine.post("/api/v1/tokens", json=WRONG).status_code,
        second_machine.post("/api/v1/tokens", json=WRONG).status_code,
    ]
    server = redis.Redis.from_url(REDIS_URL)
    (key,) = server.scan_iter(f"*{redis_prefix}*tokens*")  # the one counter both use
    stored = int(server.get(key) or 0)
    server.close()
    refused = [
        first_machine.post("/api/v1/tokens", json=WRONG).status_code,
        second_machine.post("/api/v1/tokens", json=WRONG).status_code,
    ]

    assert counted == [401, 401]
    assert stored == 2
    assert refused == [429, 429]
