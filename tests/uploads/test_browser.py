"""Uploads in pieces and the division picker, in Chromium (needs ``make assets`` for Uppy)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, Route, expect

from portal.accounts.models import User
from portal.core.extensions import db
from portal.documents.models import Document
from tests.browser.conftest import browser_page, live_server
from tests.helpers import PASSWORD, Api, minimal_pdf

__all__ = ["browser_page", "live_server"]

pytestmark = pytest.mark.browser

UPPY = Path(__file__).parents[2] / "portal" / "static" / "vendor" / "uppy" / "uppy.min.js"
CHUNK = 64 * 1024


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """CSRF on, as in production, and small pieces so a small file takes several."""
    return {**app_config, "WTF_CSRF_ENABLED": True, "UPLOAD_CHUNK_SIZE": CHUNK}


def sign_in(page: Page, username: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="我的申请").wait_for()


def test_upload_in_pieces_survives_a_dropped_connection(
    app: Flask, browser_page: Page, cinema: Api, cinema_user: User, tmp_path: Path
) -> None:
    assert UPPY.exists(), "the vendored Uppy is missing: run make assets (make test does)"
    page = browser_page
    created = cinema.new_cinema_application()
    head = minimal_pdf()
    content = head + b"%" + b"x" * (5 * CHUNK + 999 - len(head)) + b"\n"
    licence = tmp_path / "营业执照-扫描件.pdf"
    licence.write_bytes(content)
    pieces: list[str] = []
    dropped: list[str] = []

    def drop_the_third_piece(route: Route) -> None:
        request = route.request
        if request.method == "PATCH":
            pieces.append(request.headers.get("upload-offset", ""))
            if len(pieces) == 3 and not dropped:
                dropped.append(pieces[-1])
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/api/v1/uploads/*", drop_the_third_piece)
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, cinema_user.username)
    page.goto(f"/applicant/applications/{created['id']}/edit")
    widget = page.locator('[data-upload-slot="business_licence"]')
    expect(widget.locator(".uppy-Dashboard")).to_be_visible()

    widget.locator("input.uppy-Dashboard-input").first.set_input_files(str(licence))

    status = page.locator(".slot", has=widget).locator(".current-document")
    expect(status).to_contain_text("营业执照-扫描件.pdf", timeout=30_000)
    assert dropped == [str(2 * CHUNK)]
    # The dropped piece was sent again from where the server stood.
    assert pieces.count(str(2 * CHUNK)) == 2
    assert len(pieces) >= 6
    with app.app_context():
        document = db.session.scalars(sa.select(Document)).one()
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        assert document.slot == "business_licence"
    assert blocked == []
    page.goto(f"/applicant/applications/{created['id']}")
    expect(page.get_by_text("营业执照-扫描件.pdf").first).to_be_visible()


def test_division_picker_fills_the_code(browser_page: Page, cinema: Api, cinema_user: User) -> None:
    page = browser_page
    created = cinema.new_cinema_application(division_code="")
    sign_in(page, cinema_user.username)
    page.goto(f"/applicant/applications/{created['id']}/edit")
    code = page.locator('input[name="division_code"]')
    picker = page.locator(".division-picker")

    picker.locator('select[data-picker-level="0"]').select_option(label="湖南省")
    picker.locator('select[data-picker-level="1"]').select_option(label="长沙市")
    expect(code).to_have_value("")  # a county code needs a county
    picker.locator('select[data-picker-level="2"]').select_option(label="芙蓉区")

    expect(code).to_have_value("430102")

    # Typing a code still works, and the selects follow it.
    code.fill("110101")
    code.dispatch_event("change")
    expect(picker.locator('select[data-picker-level="2"]')).to_have_value("110101")
    expect(picker.locator('select[data-picker-level="0"]')).to_have_value("110000")
