"""A vendor files its ticketing software and the public checks the certificate, all
in a real browser: the vendor applies with the pre-filled commitment letter,
the National Film Fund Office and the testing institute take it to filing,
the vendor downloads the signed PDF, a phone opens the page its QR code names,
a revocation turns that page red, and the register lists the product.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from portal.accounts.models import OrgType, Role
from tests.browser.test_cinema_registration_browser import sign_in, sign_out
from tests.certificates import pdftools
from tests.helpers import Factory, minimal_pdf

pytestmark = pytest.mark.browser

MATERIALS = (
    "备案申请",
    "营业执照（副本）",
    "需求文档",
    "设计文档",
    "用户手册",
    "软件著作权登记证书",
)


def _package(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("setup/README.txt", "云票影院票务管理系统 V3.2\n")
    return path


def slot(page: Page, label: str) -> Locator:
    """The file input of the slot labelled ``label`` (with or without its required mark)."""
    named = page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))
    return named.and_(page.locator("input[type=file]"))


def decide(page: Page, number: str, choice: str) -> None:
    """Open the application's task from the inbox, claim it and choose ``choice``;
    the caller fills in the rest and records the decision."""
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="认领").click()
    expect(page.get_by_text("您已认领此任务。")).to_be_visible()
    page.get_by_label(choice, exact=True).check()


def test_software_filing_in_the_browser(
    browser_page: Page, factory: Factory, live_server: str, tmp_path: Path
) -> None:
    page = browser_page
    vendor = factory.applicant(org_type=OrgType.TICKETING_VENDOR, username="yunpiao")
    factory.staff(Role.NATIONAL_REVIEWER, username="national")
    factory.staff(Role.TESTING_INSTITUTE, username="institute")
    pdf = tmp_path / "材料.pdf"
    pdf.write_bytes(minimal_pdf())

    # The vendor starts a filing, saves product and version, and downloads the
    # commitment letter filled in with them.
    sign_in(page, "yunpiao")
    page.get_by_role("button", name="申请：票务软件产品备案").click()
    page.get_by_label("电影院票务软件").check()
    page.get_by_label("产品名称").fill("云票影院票务管理系统")
    page.get_by_label("版本号").fill("V3.2")
    page.get_by_role("button", name="保存草稿").first.click()
    with page.expect_download() as download:
        page.locator(".slot-template a").click()
    letter = Path(download.value.path()).read_bytes()
    letter_text = pdftools.squashed_text(letter)
    assert "云票影院票务管理系统" in letter_text and "V3.2" in letter_text
    assert vendor.organization.name.replace(" ", "") in letter_text

    # It uploads every material and the installation package and submits.
    for label in MATERIALS:
        slot(page, label).set_input_files(str(pdf))
    slot(page, "服务承诺书").set_input_files(str(pdf))
    slot(page, "软件安装包").set_input_files(str(_package(tmp_path / "setup.zip")))
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("申请已提交，受理编号")).to_be_visible()
    number = page.locator("dd.number").inner_text().strip()
    sign_out(page)

    # The Office approves the materials; the institute reads the commission
    # letter beside its task, uploads its report and passes the software.
    sign_in(page, "national")
    decide(page, number, "通过")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    sign_out(page)
    sign_in(page, "institute")
    decide(page, number, "合格")
    expect(page.locator(".certificate-item")).to_contain_text("委托检测书")
    page.get_by_label("检测报告编号").fill("JC2026-0815")
    slot(page, "检测报告").set_input_files(str(pdf))
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    sign_out(page)

    # The Office reads the report and files the software.
    sign_in(page, "national")
    decide(page, number, "通过")
    expect(page.locator(".step-result")).to_contain_text("JC2026-0815")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    sign_out(page)

    # The vendor sees the filing number and downloads the signed certificate.
    sign_in(page, "yunpiao")
    page.get_by_role("link", name="查看进度").click()
    expect(page.locator(".status-card .badge")).to_have_text("已通过")
    expect(page.locator(".result")).to_contain_text("DYPW")
    item = page.locator(".certificate-item").filter(has_text="备案证书")
    with page.expect_download() as download:
        item.get_by_role("link", name="下载 PDF").click()
    certificate = Path(download.value.path()).read_bytes()
    assert "Signature is Valid" in pdftools.pdfsig(certificate).stdout
    (url,) = pdftools.qr_codes(pdftools.page_image(certificate))
    parts = urlsplit(url)
    verify_path = f"{parts.path}?{parts.query}"

    # A phone opens the QR code's page: valid, and the link is the portal's.
    browser = page.context.browser
    assert browser is not None
    phone_status = _phone_status(browser, live_server, verify_path)
    assert "有效" in phone_status

    # The Office revokes it; the same page now says revoked.
    page.goto(verify_path)
    sign_out(page)
    sign_in(page, "national")
    page.goto(verify_path)
    page.get_by_label("撤销原因").fill("擅自变更软件未申报")
    page.get_by_role("button", name="撤销证书").click()
    # Without ticking the confirmation the browser refuses the form (required).
    assert "撤销此证书" in page.content()
    page.locator("#confirm").check()
    page.get_by_role("button", name="撤销证书").click()
    assert "已撤销" in _phone_status(browser, live_server, verify_path)

    # Anyone finds the product in the public register, revoked.
    sign_out(page)
    page.goto("/register/software?q=云票")
    entry = page.locator(".register-entry").filter(has_text="云票影院票务管理系统")
    expect(entry).to_contain_text("V3.2")
    expect(entry).to_contain_text("DYPW")
    expect(entry.locator(".badge")).to_have_class(re.compile("badge-filing-revoked"))


def _phone_status(browser: Browser, base_url: str, path: str) -> str:
    """The status headline of the verification page on a phone-sized screen."""
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        phone = context.new_page()
        phone.goto(path)
        status = phone.locator(".verify-status")
        expect(status).to_be_visible()
        expect(phone.locator(".verify-token")).to_be_visible()  # the portal's own link
        expect(phone.locator(".verify-forged")).to_have_count(0)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        return status.inner_text()
    finally:
        context.close()
