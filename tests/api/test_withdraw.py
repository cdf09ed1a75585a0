"""POST /applications/{id}/withdraw: allowed until a reviewer starts on it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, minimal_pdf

APPS = "/api/v1/applications"


def withdraw(client: Api, application: dict[str, Any]) -> Any:
    return client.post(f"{APPS}/{application['id']}/withdraw")


def status(client: Api, application: dict[str, Any]) -> str:
    return str(client.get(f"{APPS}/{application['id']}").get_json()["status"])


def test_withdraw_a_draft(cinema: Api) -> None:
    draft = cinema.new_cinema_application()

    response = withdraw(cinema, draft)

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "withdrawn"
    assert body["tasks"] == []
    assert body["history"][-1]["action"] == "withdrawn"
    assert cinema.get("/api/v1/tasks").get_json()["items"] == []


def test_withdraw_a_submitted_application_removes_the_review_task(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = hunan.open_task(submitted["id"])

    response = withdraw(cinema, submitted)

    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    assert response.get_json()["number"] == submitted["number"]
    assert hunan.get("/api/v1/tasks").get_json()["items"] == []
    assert hunan.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 409
    complete = hunan.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}}
    )
    assert complete.status_code == 409
    assert status(cinema, submitted) == "withdrawn"


def test_withdraw_after_claim_is_409(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    hunan.post(f"/api/v1/tasks/{hunan.open_task(submitted['id'])['id']}/claim")

    response = withdraw(cinema, submitted)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert response.get_json()["error"]["message"] == "审核人员已开始办理此申请，不能撤回。"
    assert status(cinema, submitted) == "under_review"


def test_withdraw_after_return_is_409(cinema: Api, hunan: Api) -> None:
    """A reviewer has decided on it (002 §5.1 2): the applicant corrects, not withdraws."""
    submitted = cinema.submitted_cinema_application()
    hunan.decide(submitted["id"], "return", "请补充材料")

    response = withdraw(cinema, submitted)

    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "只有草稿或尚未开始审核的申请可以撤回。"
    assert status(cinema, submitted) == "returned"


@pytest.mark.parametrize(("decision", "comment"), [("approve", ""), ("reject", "证照不符")])
def test_withdraw_after_a_final_decision_is_409(
    cinema: Api, hunan: Api, decision: str, comment: str
) -> None:
    submitted = cinema.submitted_cinema_application()
    final = hunan.decide(submitted["id"], decision, comment).get_json()["status"]

    response = withdraw(cinema, submitted)

    assert response.status_code == 409
    assert status(cinema, submitted) == final


def test_withdraw_twice_is_409(cinema: Api) -> None:
    draft = cinema.new_cinema_application()
    assert withdraw(cinema, draft).status_code == 200
    assert withdraw(cinema, draft).status_code == 409


def test_reviewer_in_scope_gets_403(cinema: Api, hunan: Api) -> None:
    """403, not 404: the reviewer may see this application (it is in their inbox),
    so hiding it would be pointless; withdrawing is simply not theirs to do."""
    submitted = cinema.submitted_cinema_application()

    response = withdraw(hunan, submitted)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert status(cinema, submitted) == "submitted"


def test_reviewer_out_of_scope_gets_404(cinema: Api, beijing: Api) -> None:
    """The Beijing reviewer may not even know the application exists."""
    submitted = cinema.submitted_cinema_application()
    assert withdraw(beijing, submitted).status_code == 404
    assert status(cinema, submitted) == "submitted"


def test_other_organisation_gets_404(cinema: Api, other_cinema: Api) -> None:
    draft = cinema.new_cinema_application()
    assert withdraw(other_cinema, draft).status_code == 404
    assert status(cinema, draft) == "draft"


@pytest.mark.parametrize("submitted_first", [False, True], ids=["draft", "submitted"])
def test_a_withdrawn_application_is_frozen(cinema: Api, submitted_first: bool) -> None:
    if submitted_first:
        application = cinema.submitted_cinema_application()
    else:
        application = cinema.new_cinema_application()
        cinema.upload_licences(application["id"])
    assert withdraw(cinema, application).status_code == 200
    url = f"{APPS}/{application['id']}"
    before = cinema.get(url).get_json()

    patch = cinema.patch(url, json={"data": {"circuit": "万达院线"}})
    submit = cinema.post(f"{url}/submit")
    upload = cinema.upload(f"{url}/documents", "business_licence", minimal_pdf())

    assert (patch.status_code, submit.status_code, upload.status_code) == (409, 409, 409)
    after = cinema.get(url).get_json()
    assert after["status"] == "withdrawn"
    assert after["data"] == before["data"]
    assert after["documents"] == before["documents"]
    assert after["number"] == before["number"]
