"""What the data-only pilot admission produces, on the pages people read: nothing of
it is hidden because no Python names it."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.accounts.models import OrgType
from tests.pages.support import signed_in, text
from tests.processes.cast import Zhengzhou
from tests.processes.pilot import decide, submitted


@pytest.mark.usefixtures("published")
def test_the_applicant_sees_result_certificate_message_and_list(
    app: Flask, zhengzhou: Zhengzhou
) -> None:
    user = zhengzhou.factory.applicant(org_type=OrgType.CULTURAL_ENTERPRISE)
    applicant = zhengzhou.api.as_user(user)
    application = submitted(applicant, "bookstore")
    decide(zhengzhou.district("410102"), application["id"], "approve", "推荐")
    approved = decide(zhengzhou.city, application["id"], "approve", "同意")
    number = approved["result"]["certificate_number"]
    page = signed_in(app, user.username)
    progress = text(page.get(f"/applicant/applications/{application['id']}"))
    assert "文化消费试点企业准入" in progress  # the manifest's name
    assert "试点企业确认函" in progress  # the manifest's result label
    assert number in progress
    assert "推荐" in progress and "同意" in progress  # both decisions with their reasons
    messages = text(page.get("/applicant/notifications"))
    assert f"申请 {approved['number']} 已审核通过" in messages
    verify = text(app.test_client().get(f"/verify/{number}"))
    assert "文化消费试点企业确认函" in verify
    assert "书店" in verify  # the category's label, not its value
    listing = text(app.test_client().get("/public-lists/zhengzhou_pilot_enterprises"))
    assert "郑州市文化消费试点企业名单" in listing
    assert approved["organization"]["name"] in listing

    page.get("/lang/en")
    english = text(page.get(f"/applicant/applications/{application['id']}"))
    assert "Cultural-consumption pilot enterprise admission" in english
    assert "Pilot enterprise letter" in english
