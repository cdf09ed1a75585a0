"""Who may open which page: roles (403) and ownership or scope (404)."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.accounts.models import OrgType, Role
from tests.helpers import Api, Factory
from tests.pages.support import signed_in, text


@pytest.mark.parametrize("url", ["/review/", "/admin/definitions", "/admin/users", "/admin/"])
def test_applicants_cannot_open_staff_pages(app: Flask, factory: Factory, url: str) -> None:
    factory.applicant(username="cinema")
    response = signed_in(app, "cinema").get(url)
    assert response.status_code == 403
    assert "无权访问" in text(response)


@pytest.mark.parametrize("url", ["/applicant/", "/admin/definitions", "/admin/users"])
@pytest.mark.parametrize("role", [Role.PROVINCIAL_REVIEWER, Role.NATIONAL_REVIEWER])
def test_reviewers_cannot_open_applicant_or_admin_pages(
    app: Flask, factory: Factory, role: Role, url: str
) -> None:
    factory.staff(role, "43" if role is Role.PROVINCIAL_REVIEWER else "", username="reviewer")
    response = signed_in(app, "reviewer").get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/applicant/", "/review/"])
def test_admins_cannot_open_applicant_or_review_pages(
    app: Flask, factory: Factory, url: str
) -> None:
    factory.staff(Role.ADMIN, username="root")
    assert signed_in(app, "root").get(url).status_code == 403


def test_new_application_of_a_process_the_org_may_not_start(app: Flask, factory: Factory) -> None:
    factory.applicant(username="vendor", org_type=OrgType.TICKETING_VENDOR)
    client = signed_in(app, "vendor")
    assert "电影院注册" not in text(client.get("/applicant/"))
    assert client.post("/applicant/new/cinema_registration").status_code == 404
    assert client.post("/applicant/new/no_such_process").status_code == 404


def test_dashboard_lists_only_own_organisation(app: Flask, factory: Factory, api: Api) -> None:
    mine = factory.applicant(username="mine")
    theirs = factory.applicant(username="theirs")
    own = api.as_user(mine).submitted_cinema_application()
    other = api.as_user(theirs).submitted_cinema_application()
    page = signed_in(app, "mine").get("/applicant/")
    assert page.status_code == 200
    assert own["number"] in text(page)
    assert other["number"] not in text(page)
    assert f"/applicant/applications/{own['id']}" in page.get_data(as_text=True)
    assert f"/applicant/applications/{other['id']}" not in page.get_data(as_text=True)


def test_another_organisations_application_is_not_found(
    app: Flask, factory: Factory, api: Api
) -> None:
    owner = factory.applicant(username="owner")
    factory.applicant(username="intruder")
    owner_api = api.as_user(owner)
    application = owner_api.new_cinema_application()
    owner_api.upload_licences(application["id"])
    document = owner_api.get(f"/api/v1/applications/{application['id']}").get_json()["documents"][0]
    intruder = signed_in(app, "intruder")
    base = f"/applicant/applications/{application['id']}"
    for response in (
        intruder.get(base),
        intruder.get(f"{base}/edit"),
        intruder.post(f"{base}/edit", data={"action": "save", "name": "改名"}),
        intruder.get(f"{base}/withdraw"),
        intruder.post(f"{base}/withdraw"),
        intruder.get(f"/documents/{document['id']}"),
    ):
        assert response.status_code == 404
        assert "页面不存在" in text(response)
    assert (
        owner_api.get(f"/api/v1/applications/{application['id']}").get_json()["status"] == "draft"
    )
    assert (
        owner_api.get(f"/api/v1/applications/{application['id']}").get_json()["data"]["name"]
        == "星光影城"
    )


def test_reviewer_of_another_province_gets_not_found(
    app: Flask, factory: Factory, api: Api
) -> None:
    cinema = factory.applicant(username="cinema")
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    factory.staff(Role.PROVINCIAL_REVIEWER, "11", username="beijing")
    submitted = api.as_user(cinema).submitted_cinema_application()
    task_id = Api(app.test_client()).login("hunan").open_task(submitted["id"])["id"]
    beijing = signed_in(app, "beijing")
    assert submitted["number"] not in text(beijing.get("/review/"))
    assert beijing.get(f"/review/tasks/{task_id}").status_code == 404
    assert beijing.post(f"/review/tasks/{task_id}/claim").status_code == 404
    assert (
        beijing.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"}).status_code
        == 404
    )
    document_id = submitted["documents"][0]["id"]
    assert beijing.get(f"/documents/{document_id}").status_code == 404
    hunan = signed_in(app, "hunan")
    assert hunan.get(f"/review/tasks/{task_id}").status_code == 200
    download = hunan.get(f"/documents/{document_id}")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_anonymous_download_goes_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/documents/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
