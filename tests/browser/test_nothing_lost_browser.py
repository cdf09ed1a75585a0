"""A person fills in the cinema registration with one wrong value and both licences,
submits, sees the problem with the licences kept, corrects the value and submits
without choosing the files again: with JavaScript (the files may go ahead in
resumable pieces) and without it (the files go with the form itself)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import PASSWORD, Factory, minimal_pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def page_without_javascript(browser_page: Page, live_server: str) -> Iterator[Page]:
    """A page of the same Chromium with JavaScript switched off."""
    browser = browser_page.context.browser
    assert browser is not None
    context = browser.new_context(base_url=live_server, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_refused_value_keeps_the_chosen_files(
    browser_page: Page, factory: Factory, tmp_path: Path
) -> None:
    refused_value_then_corrected(browser_page, factory, tmp_path)


def test_a_refused_value_keeps_the_files_sent_with_the_form(
    page_without_javascript: Page, factory: Factory, tmp_path: Path
) -> None:
    refused_value_then_corrected(page_without_javascript, factory, tmp_path)


def refused_value_then_corrected(page: Page, factory: Factory, tmp_path: Path) -> None:
    factory.applicant(username="cinema")
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(minimal_pdf())
    screening = tmp_path / "放映许可证.pdf"
    screening.write_bytes(minimal_pdf())

    page.goto("/auth/login")
    page.get_by_label("用户名").fill("cinema")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="申请：电影院注册").click()
    expect(page.get_by_text("已新建申请")).to_be_visible()

    page.get_by_label("影院名称").fill("星光国际影城")
    page.get_by_label("地址").fill("湖南省长沙市芙蓉区五一大道100号")
    page.get_by_label("所在地区").fill("430102")
    page.get_by_label("所属院线").fill("湖南潇湘电影院线")
    page.get_by_label("影厅名称").first.fill("1号激光厅")
    page.get_by_label("座位数").first.fill("168")
    page.get_by_label("联系人姓名").fill("张经理")
    page.get_by_label("联系人手机号码").fill("12345")  # one digit group short
    page.get_by_label("营业执照").set_input_files(str(licence))
    page.get_by_label("电影放映经营许可证").set_input_files(str(screening))
    page.get_by_role("button", name="提交", exact=True).click()

    # The problem is shown, and both licences are stored: nothing to choose again.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("联系人手机号码")
    expect(summary).to_contain_text("不是有效的手机号码")
    expect(page.locator("#contact_mobile-error")).to_be_visible()
    expect(page.get_by_label("联系人手机号码")).to_have_value("12345")
    expect(page.get_by_label("影院名称")).to_have_value("星光国际影城")
    stored = page.locator(".current-document")
    expect(stored.filter(has_text="营业执照.pdf")).to_have_count(1)
    expect(stored.filter(has_text="放映许可证.pdf")).to_have_count(1)
    expect(page.locator(".current-document.missing")).to_have_count(0)

    # Corrected, and submitted without uploading again.
    page.get_by_label("联系人手机号码").fill("13800138000")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("申请已提交，受理编号")).to_be_visible()
    number = page.locator("dd.number").inner_text().strip()
    assert re.fullmatch(r"YYZC-\d{4}-\d{6}", number), number
    expect(page.get_by_role("cell", name="营业执照.pdf")).to_be_visible()
