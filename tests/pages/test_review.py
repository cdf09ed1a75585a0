"""The reviewers' pages: inbox, task page, claiming and deciding."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role
from tests.helpers import Api, Factory
from tests.pages.support import signed_in, task_ids, text


@pytest.fixture
def submitted(factory: Factory, api: Api) -> dict[str, Any]:
    cinema = factory.applicant(username="cinema")
    return api.as_user(cinema).submitted_cinema_application()


@pytest.fixture
def hunan(app: Flask, factory: Factory) -> FlaskClient:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    return signed_in(app, "hunan")


def test_inbox_lists_the_tasks_of_the_province(
    submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    page = hunan.get("/review/")
    assert page.status_code == 200
    body = text(page)
    assert "待办任务" in body
    assert submitted["number"] in body
    assert "电影院注册" in body
    assert "省级电影主管部门审核" in body
    assert "cinema 有限公司" in body
    assert "未认领" in body
    assert '<th scope="col">' in page.get_data(as_text=True)


def test_task_page_shows_data_documents_history_and_forms(
    submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    page = hunan.get(f"/review/tasks/{task_id}")
    body = text(page)
    html = page.get_data(as_text=True)
    assert "湖南省长沙市芙蓉区五一大道100号" in body
    assert ">影厅</caption>" in html
    assert "120" in body and "80" in body
    assert "file.pdf" in body
    assert f"/documents/{submitted['documents'][0]['id']}" in html
    assert "提交申请" in body
    assert f'action="/review/tasks/{task_id}/claim"' in html
    assert 'type="radio"' in html and 'value="return"' in html
    assert "退回补正" in body and "不予通过" in body


def test_claiming_hides_the_claim_button_and_shows_the_assignee(
    submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    response = hunan.post(f"/review/tasks/{task_id}/claim")
    assert response.status_code == 302
    page = hunan.get(f"/review/tasks/{task_id}")
    assert "您已认领此任务" in text(page)
    assert f'action="/review/tasks/{task_id}/claim"' not in page.get_data(as_text=True)
    assert "认领任务" in text(page)


def test_task_claimed_by_a_colleague(
    app: Flask, factory: Factory, submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="colleague")
    colleague = signed_in(app, "colleague")
    (task_id,) = task_ids(hunan.get("/review/"))
    colleague.post(f"/review/tasks/{task_id}/claim")
    page = hunan.get(f"/review/tasks/{task_id}")
    assert "该任务已被他人认领" in text(page)
    assert f'action="/review/tasks/{task_id}/complete"' not in page.get_data(as_text=True)
    response = hunan.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
    assert response.status_code == 302
    assert "该任务已被他人认领" in text(hunan.get("/review/"))


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_or_reject_needs_reasons(
    api: Api, submitted: dict[str, Any], hunan: FlaskClient, decision: str
) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    response = hunan.post(
        f"/review/tasks/{task_id}/complete", data={"decision": decision, "comment": ""}
    )
    assert response.status_code == 200
    page = text(response)
    assert "审核意见未记录" in page
    assert "此项为必填项" in page
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert task_ids(hunan.get("/review/")) == [task_id]


def test_decision_is_required(submitted: dict[str, Any], hunan: FlaskClient) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    response = hunan.post(f"/review/tasks/{task_id}/complete", data={"comment": "好"})
    assert response.status_code == 200
    assert 'id="decision-error"' in response.get_data(as_text=True)


def test_completed_task_cannot_be_completed_again(
    submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    assert (
        hunan.post(
            f"/review/tasks/{task_id}/complete", data={"decision": "reject", "comment": "材料不实"}
        ).status_code
        == 302
    )
    assert "任务已办结" in text(hunan.get("/review/"))
    again = hunan.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
    assert again.status_code == 302
    assert "此任务已办结" in text(hunan.get("/review/"))
    page = text(hunan.get(f"/review/tasks/{task_id}"))
    assert "此任务已办结" in page
    assert "不予通过" in page and "材料不实" in page


def test_rejection_reasons_reach_the_applicant(
    app: Flask, submitted: dict[str, Any], hunan: FlaskClient
) -> None:
    (task_id,) = task_ids(hunan.get("/review/"))
    hunan.post(
        f"/review/tasks/{task_id}/complete", data={"decision": "reject", "comment": "不符合条件"}
    )
    cinema = signed_in(app, "cinema")
    page = text(cinema.get(f"/applicant/applications/{submitted['id']}"))
    assert "不予通过" in page
    assert "不符合条件" in page
