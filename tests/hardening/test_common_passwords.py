"""Common passwords are refused, with a clear message, on the API and the pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Organization, User
from portal.accounts.passwords import password_problems
from tests.helpers import PASSWORD, make_uscc
from tests.pages.support import count, text

COMMON = ["Password1", "P@ssw0rd", "Qwerty123", "Welcome1!", "Abcd1234!", "1qaz@WSX"]


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password: str) -> None:
    problems = password_problems(password, username="cinema1")
    assert problems == [
        "This password is too common or too easy to guess; "
        "choose a longer one that is not a known password or a keyboard pattern."
    ]


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "Demo-Portal-2026", "Key-File-2026", "Wrong-Pass-2026", "长沙Film2026"],
)
def test_the_test_and_demo_passwords_still_pass(password: str) -> None:
    assert password_problems(password, username="cinema1") == []


def test_a_password_longer_than_the_estimator_reads_is_judged() -> None:
    assert password_problems("Aa1-" + "x" * 124, username="cinema1") == []


@pytest.mark.parametrize("password", ["Password1", "P@ssw0rd", "Qwerty123"])
def test_the_api_refuses_a_common_password(app: Flask, client: FlaskClient, password: str) -> None:
    response = client.post(
        "/api/v1/registrations",
        json={
            "org_name": "长沙星光影城有限公司",
            "uscc": make_uscc(),
            "org_type": "cinema",
            "contact_name": "张经理",
            "mobile": "13800138000",
            "username": "xingguang",
            "password": password,
        },
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["password"]
    assert count(app, User) == 0


def test_the_registration_page_refuses_a_common_password(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/auth/register",
        data={
            "org_name": "长沙星光影城有限公司",
            "uscc": make_uscc(),
            "org_type": "cinema",
            "contact_name": "张经理",
            "mobile": "13800138000",
            "username": "xingguang",
            "password": "P@ssw0rd",
            "confirm": "P@ssw0rd",
        },
    )
    assert response.status_code == 200
    assert "too common" in text(response) or "过于常见" in text(response)
    assert count(app, Organization) == 0
