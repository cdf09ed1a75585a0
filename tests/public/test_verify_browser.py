"""A person opens a forged verification link on a phone-sized Chromium: the warning
comes first, in red, and nothing on the page is green."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from portal.core.extensions import db
from portal.issuance.models import Certificate
from tests.browser.conftest import browser_page, live_server

__all__ = ["browser_page", "live_server"]

pytestmark = pytest.mark.browser

GREEN = {"rgb(30, 107, 52)", "rgb(227, 243, 231)"}  # --ok and --ok-bg
RED = "rgb(161, 32, 32)"  # --bad

COLOURS = """() => {
  const seen = new Set();
  for (const element of document.querySelectorAll("main *")) {
    const style = getComputedStyle(element);
    if (style.display === "none" || style.visibility === "hidden") continue;
    seen.add(style.color); seen.add(style.backgroundColor); seen.add(style.borderLeftColor);
  }
  return [...seen];
}"""


def test_a_forged_link_warns_first_and_shows_nothing_green(
    browser_page: Page, app: Flask, number: str
) -> None:
    with app.app_context():
        token = db.session.scalar(sa.select(Certificate.token).where(Certificate.number == number))
    assert token
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/verify/{number}?t={forged}")

    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("此二维码不是本平台签发")
    first_heading = page.locator("main h1").first
    expect(first_heading).to_have_text("✕此二维码不是本平台签发")
    assert warning.evaluate("e => getComputedStyle(e).color") == RED
    box = warning.bounding_box()
    assert box is not None and box["y"] < 844  # on the first screen, without scrolling
    assert not GREEN & set(page.evaluate(COLOURS))

    page.goto(f"/verify/{number}?t={token}")  # the genuine link, for contrast
    assert GREEN & set(page.evaluate(COLOURS))
