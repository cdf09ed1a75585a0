"""A cinema registers, applies and is approved, all through a real browser.

The portal runs with CSRF protection on; Chromium fills in every form by its
labels and presses buttons by their accessible names, so the pages' labelling
is checked along the way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from tests.helpers import PASSWORD, Factory, make_uscc, minimal_pdf

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("您已安全退出").wait_for()


def test_cinema_registration_in_the_browser(
    browser_page: Page, factory: Factory, tmp_path: Path
) -> None:
    page = browser_page
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(minimal_pdf())
    screening = tmp_path / "放映许可证.pdf"
    screening.write_bytes(minimal_pdf())

    # The enterprise registers itself, signs out and signs in again.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("main").get_by_role("link", name="企业注册").click()
    page.get_by_label("单位名称").fill("长沙星光影城有限公司")
    page.get_by_label("统一社会信用代码").fill(make_uscc())
    page.get_by_label("单位类型").select_option(label="电影院")
    page.get_by_label("联系人", exact=True).fill("张经理")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("用户名").fill("xingguang")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text("注册成功，您已登录。")).to_be_visible()
    sign_out(page)
    sign_in(page, "xingguang")
    expect(page.get_by_role("heading", name="我的申请")).to_be_visible()

    # It starts a cinema registration and fills in every field.
    page.get_by_role("button", name="申请：电影院注册").click()
    expect(page.get_by_text("已新建申请")).to_be_visible()
    page.get_by_label("影院名称").fill("星光国际影城")
    page.get_by_label("地址").fill("湖南省长沙市芙蓉区五一大道100号")
    page.get_by_label("所在地区").fill("430102")
    page.get_by_label("所属院线").fill("湖南潇湘电影院线")
    page.get_by_label("影厅名称").first.fill("1号激光厅")
    page.get_by_label("座位数").first.fill("168")
    page.get_by_role("button", name="添加一行").click()
    expect(page.get_by_label("影厅名称")).to_have_count(2)
    page.get_by_label("影厅名称").nth(1).fill("2号厅")
    page.get_by_label("座位数").nth(1).fill("96")
    page.get_by_label("联系人姓名").fill("张经理")
    page.get_by_label("联系人手机号码").fill("13800138000")
    page.get_by_label("营业执照").set_input_files(str(licence))
    page.get_by_label("电影放映经营许可证").set_input_files(str(screening))
    page.get_by_role("button", name="提交", exact=True).click()

    # The progress page shows the acceptance number and the status.
    expect(page.get_by_text("申请已提交，受理编号")).to_be_visible()
    expect(page.get_by_role("heading", name="受理状态")).to_be_visible()
    number = page.locator("dd.number").inner_text().strip()
    assert re.fullmatch(r"YYZC-\d{4}-\d{6}", number), number
    expect(page.locator(".status-card .badge")).to_have_text("已提交")
    expect(page.get_by_role("cell", name="2号厅")).to_be_visible()
    sign_out(page)

    # The provincial reviewer claims and approves it.
    sign_in(page, "hunan")
    expect(page.get_by_role("heading", name="待办任务")).to_be_visible()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_text("星光国际影城").first).to_be_visible()
    page.get_by_role("button", name="认领").click()
    expect(page.get_by_text("您已认领此任务。")).to_be_visible()
    page.get_by_label("通过", exact=True).check()
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    sign_out(page)

    # The cinema sees its new cinema code.
    sign_in(page, "xingguang")
    page.get_by_role("link", name="查看进度").click()
    expect(page.locator(".status-card .badge")).to_have_text("已通过")
    expect(page.locator(".result")).to_contain_text("电影院编码")
    expect(page.locator(".result-value").first).to_have_text("43000001")
