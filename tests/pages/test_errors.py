"""Friendly error pages; never a stack trace."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.pages.support import text


@pytest.mark.parametrize(
    ("method", "url", "status", "heading"),
    [
        ("get", "/no/such/page", 404, "页面不存在"),
        ("get", "/applicant/applications/not-a-uuid", 404, "页面不存在"),
        ("get", "/auth/logout", 405, "不允许此操作"),
        ("post", "/", 405, "不允许此操作"),
    ],
)
def test_http_errors_use_the_friendly_page(
    client: FlaskClient, method: str, url: str, status: int, heading: str
) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert heading in text(response)
    assert f"错误 {status}" in text(response)
    assert 'href="#main"' in body  # the base layout
    assert "Traceback" not in body


def test_unexpected_errors_show_the_friendly_500_page(app: Flask) -> None:
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", view_func=boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "系统出现问题" in text(response)
    assert "secret internals" not in body
    assert "Traceback" not in body


def test_error_pages_follow_the_language(client: FlaskClient) -> None:
    client.get("/lang/en")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in text(response)
    assert '<html lang="en">' in response.get_data(as_text=True)
