"""A reviewer searches the inbox, opens a resubmitted application, sees what changed
since the return, and decides, all through a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from tests.helpers import PASSWORD, Api, Factory, minimal_pdf

pytestmark = pytest.mark.browser

APPS = "/api/v1/applications"


def test_reviewer_searches_opens_a_resubmission_and_decides(
    browser_page: Page, factory: Factory, api: Api
) -> None:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    star = api.as_user(factory.applicant(username="star"))
    galaxy = api.as_user(factory.applicant(username="galaxy"))
    galaxy.submitted_cinema_application(name="银河影城")
    returned = star.submitted_cinema_application()
    task = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43")).decide(
        returned["id"], "return", "院线名称有误。"
    )
    assert task.status_code == 200, task.get_json()
    star.patch(f"{APPS}/{returned['id']}", json={"data": {"circuit": "湖南新院线"}})
    star.upload(f"{APPS}/{returned['id']}/documents", "business_licence", minimal_pdf())
    assert star.post(f"{APPS}/{returned['id']}/submit").status_code == 200

    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("用户名").fill("hunan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办任务")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Task inbox")).to_be_visible()

    inbox = page.get_by_role("table")
    expect(inbox.get_by_role("row")).to_have_count(3)  # the header and two tasks
    page.get_by_label("Applicant", exact=True).fill("star")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 task", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text=returned["number"])
    expect(row.get_by_text("Resubmitted after correction")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="galaxy")).to_have_count(0)

    row.get_by_role("link", name=returned["number"]).click()
    changes = page.get_by_role("region", name="Changed since the return")
    expect(changes).to_be_visible()
    changed = changes.get_by_role("row").filter(has_text="湖南新院线")
    expect(changed).to_contain_text("湖南潇湘院线")
    expect(changes.get_by_role("row").filter(has_text="version 2")).to_contain_text("version 1")
    expect(page.get_by_text("Deciding claims this task for you.")).to_be_visible()

    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("The task is completed.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=returned["number"])).to_have_count(0)

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("row").filter(has_text=returned["number"])).to_be_visible()
