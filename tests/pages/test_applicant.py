"""The applicant's pages: filling in, saving, submitting, following and withdrawing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Role
from portal.documents.models import Document
from tests.helpers import Api, Factory
from tests.pages.support import (
    application_id,
    cinema_form,
    count,
    pdf,
    post_form,
    signed_in,
    stored,
    task_ids,
    text,
    with_licences,
)


@pytest.fixture
def cinema(app: Flask, factory: Factory) -> FlaskClient:
    factory.applicant(username="cinema")
    return signed_in(app, "cinema")


def new_draft(client: FlaskClient) -> str:
    response = client.post("/applicant/new/cinema_registration")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/edit")
    return f"/applicant/applications/{application_id(response)}"


def test_dashboard_offers_the_processes_to_start(cinema: FlaskClient) -> None:
    page = cinema.get("/applicant/")
    assert page.status_code == 200
    assert "申请：电影院注册" in text(page)
    assert "暂无申请" in text(page)


def test_edit_page_renders_the_form_by_sections(cinema: FlaskClient) -> None:
    page = cinema.get(new_draft(cinema) + "/edit")
    body = page.get_data(as_text=True)
    for legend in ("基本信息", "影厅", "联系人", "证照材料"):
        assert f'<legend class="section-title">{legend}</legend>' in body
    assert '<label for="name">影院名称' in body
    assert 'name="halls-0-seats"' in body
    assert 'name="add_row-halls"' in body
    assert 'name="remove_row-halls-0"' in body
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in body
    assert "可接受的类型：PDF, JPG, JPEG, PNG；不超过 20.0 MB" in text(page)
    assert "尚未上传文件" in text(page)
    assert 'aria-describedby="division_code-hint"' in body


def test_rows_are_added_and_removed_without_javascript(app: Flask, cinema: FlaskClient) -> None:
    url = new_draft(cinema)
    formdata = cinema_form(halls=[{"name": "1号厅", "seats": 120}])
    formdata.add("add_row-halls", "1")
    added = post_form(cinema, url + "/edit", formdata)
    assert added.status_code == 200
    body = added.get_data(as_text=True)
    assert 'value="1号厅"' in body
    assert 'name="halls-1-name"' in body
    assert 'value="星光影城"' in body
    assert stored(app, url).data.get("name") is None  # nothing saved by row buttons

    formdata = cinema_form(halls=[{"name": "1号厅", "seats": 120}, {"name": "2号厅", "seats": 80}])
    formdata.add("remove_row-halls-0", "1")
    removed = post_form(cinema, url + "/edit", formdata).get_data(as_text=True)
    assert 'value="1号厅"' not in removed
    assert 'value="2号厅"' in removed


def test_save_draft_keeps_incomplete_data(app: Flask, cinema: FlaskClient) -> None:
    url = new_draft(cinema)
    response = post_form(
        cinema,
        url + "/edit",
        MultiDict({"action": "save", "name": "星光影城", "halls-0-name": "1号厅"}),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url + "/edit"
    page = cinema.get(url + "/edit")
    assert "草稿已保存" in text(page)
    assert 'value="星光影城"' in page.get_data(as_text=True)
    application = stored(app, url)
    assert application.status == "draft"
    assert application.data["name"] == "星光影城"
    assert application.data["halls"] == [{"name": "1号厅", "seats": None}]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_mobile", "12345", "不是有效的手机号码"),
        ("division_code", "999999", "不是有效的行政区划代码"),
        ("halls-0-seats", "很多", "不是有效的整数"),
        ("halls-0-seats", "5000", "数值不能大于 3000"),
    ],
)
def test_save_refuses_malformed_values(
    app: Flask, cinema: FlaskClient, field: str, value: str, message: str
) -> None:
    url = new_draft(cinema)
    formdata = cinema_form()
    formdata.setlist(field, [value])
    response = post_form(cinema, url + "/edit", formdata)
    assert response.status_code == 200
    assert message in text(response)
    assert "请修正以下问题" in text(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    # The valid fields are kept as the draft; the refused one keeps what was stored.
    data = stored(app, url).data
    assert data["name"] == "星光影城"
    assert data.get(field.split("-", maxsplit=1)[0]) in (None, [])


def test_submit_with_missing_fields_and_documents_lists_every_problem(
    app: Flask, cinema: FlaskClient
) -> None:
    url = new_draft(cinema)
    response = post_form(cinema, url + "/edit", MultiDict({"action": "submit", "name": "星光影城"}))
    assert response.status_code == 200
    page = text(response)
    assert "申请未提交" in page
    for label in (
        "地址",
        "所在地区",
        "所属院线",
        "联系人姓名",
        "联系人手机号码",
        "营业执照",
        "电影放映经营许可证",
    ):
        assert label in page
    assert page.count("此项为必填项") >= 5
    assert "请上传此材料" in page
    assert "至少需要填写 1 行" in page
    application = stored(app, url)
    assert application.status == "draft"
    assert application.number is None


def test_text_file_in_a_pdf_slot_is_refused(app: Flask, cinema: FlaskClient) -> None:
    url = new_draft(cinema)
    formdata = cinema_form()
    formdata.add("business_licence", pdf("licence.pdf", b"just some text, not a PDF at all\n" * 10))
    response = post_form(cinema, url + "/edit", formdata)
    assert response.status_code == 200
    assert "此处不接受该文件类型" in text(response)
    assert 'id="business_licence-error"' in response.get_data(as_text=True)
    assert count(app, Document) == 0


def test_full_registration_through_the_pages(
    app: Flask, factory: Factory, cinema: FlaskClient
) -> None:
    url = new_draft(cinema)
    with_one_hall = cinema_form(halls=[{"name": "1号厅", "seats": 120}])
    with_one_hall.add("add_row-halls", "1")
    assert 'name="halls-1-seats"' in post_form(cinema, url + "/edit", with_one_hall).get_data(
        as_text=True
    )

    submitted = post_form(cinema, url + "/edit", with_licences(cinema_form("submit")))
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == url
    progress = cinema.get(url)
    page = text(progress)
    number = stored(app, url).number
    assert number is not None and number.startswith("YYZC-")
    assert "受理编号" in page and number in page
    assert "已提交" in page
    assert "湖南省 省级电影主管部门" in page
    assert "business.pdf" in page and "screening.pdf" in page
    assert "撤回申请" in page

    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    hunan = signed_in(app, "hunan")
    inbox = hunan.get("/review/")
    assert number in text(inbox)
    (task_id,) = task_ids(inbox)
    task_page = hunan.get(f"/review/tasks/{task_id}")
    assert "星光影城" in text(task_page) and "2号厅" in text(task_page)
    assert "认领" in text(task_page)
    assert hunan.post(f"/review/tasks/{task_id}/claim").status_code == 302
    returned = hunan.post(
        f"/review/tasks/{task_id}/complete",
        data={"decision": "return", "comment": "营业执照扫描件不清晰，请重新上传。"},
    )
    assert returned.status_code == 302
    assert returned.headers["Location"] == "/review/"
    assert number not in text(hunan.get("/review/"))

    progress = text(cinema.get(url))
    assert "退回补正" in progress
    assert "营业执照扫描件不清晰，请重新上传。" in progress
    assert "撤回申请" not in progress
    edit = cinema.get(url + "/edit")
    assert "营业执照扫描件不清晰，请重新上传。" in text(edit)
    corrected = cinema_form("submit", circuit="湖南潇湘电影院线")
    corrected.add("business_licence", pdf("business-clear.pdf"))
    assert post_form(cinema, url + "/edit", corrected).status_code == 302
    progress = text(cinema.get(url))
    assert "已提交" in progress and number in progress
    assert "business-clear.pdf" in progress

    (task_id,) = task_ids(hunan.get("/review/"))
    approved = hunan.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
    assert approved.status_code == 302
    final = cinema.get(url)
    page = text(final)
    assert "已通过" in page
    assert "电影院编码 43000001" in page
    assert "分配电影院编码" in page
    assert cinema.get(url + "/edit").status_code == 302


def test_withdraw_asks_first_then_withdraws(app: Flask, cinema: FlaskClient) -> None:
    url = new_draft(cinema)
    post_form(cinema, url + "/edit", with_licences(cinema_form("submit")))
    confirm = cinema.get(url + "/withdraw")
    assert confirm.status_code == 200
    assert "确定撤回此申请吗" in text(confirm)
    assert stored(app, url).status == "submitted"
    response = cinema.post(url + "/withdraw")
    assert response.status_code == 302
    page = text(cinema.get(url))
    assert "申请已撤回" in page
    assert "已撤回" in page
    assert stored(app, url).status == "withdrawn"


def test_claimed_application_cannot_be_withdrawn(
    app: Flask, factory: Factory, api: Api, cinema: FlaskClient
) -> None:
    url = new_draft(cinema)
    post_form(cinema, url + "/edit", with_licences(cinema_form("submit")))
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    hunan = signed_in(app, "hunan")
    (task_id,) = task_ids(hunan.get("/review/"))
    hunan.post(f"/review/tasks/{task_id}/claim")
    page = text(cinema.get(url))
    assert "审核中" in page
    assert "撤回申请" not in page
    response = cinema.post(url + "/withdraw")
    assert response.status_code == 302
    assert "审核人员已开始办理此申请" in text(cinema.get(url))
    assert stored(app, url).status == "under_review"


def test_submitted_application_cannot_be_edited(app: Flask, cinema: FlaskClient) -> None:
    url = new_draft(cinema)
    post_form(cinema, url + "/edit", with_licences(cinema_form("submit")))
    response = post_form(cinema, url + "/edit", cinema_form("save", name="改名影城"))
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert "此申请已不能修改" in text(cinema.get(url))
    assert stored(app, url).data["name"] == "星光影城"
