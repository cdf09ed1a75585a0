"""The inbox: listing, reading, claiming and completing tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts.models import Role
from portal.cinemas.models import Cinema
from portal.core.extensions import db
from tests.helpers import Api, Factory, minimal_pdf

TASKS = "/api/v1/tasks"


def review_task(reviewer: Api, application: dict[str, Any]) -> dict[str, Any]:
    return reviewer.open_task(application["id"])


def complete(reviewer: Api, task: dict[str, Any], data: Any) -> Any:
    return reviewer.post(f"{TASKS}/{task['id']}/complete", json={"data": data})


# Who sees what -------------------------------------------------------------------------


def test_province_sees_the_review_task_of_its_cinema(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()

    items = hunan.get(TASKS).get_json()["items"]

    assert len(items) == 1
    task = items[0]
    assert {
        "id",
        "application_id",
        "application_number",
        "process",
        "name",
        "role",
        "assignee",
        "created_at",
        "due_at",
        "overdue",
    } <= set(task)
    assert task["application_id"] == submitted["id"]
    assert task["application_number"] == submitted["number"]
    assert task["process"] == "cinema_registration"
    assert task["role"] == "provincial_reviewer"
    assert task["assignee"] is None
    assert task["created_at"].endswith("+08:00")
    assert task["due_at"] is None
    assert task["overdue"] is False


def test_another_province_sees_nothing_and_may_do_nothing(
    cinema: Api, hunan: Api, beijing: Api
) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    assert beijing.get(TASKS).get_json()["items"] == []
    assert beijing.get(f"{TASKS}/{task['id']}").status_code == 404
    assert beijing.post(f"{TASKS}/{task['id']}/claim").status_code == 404
    response = complete(beijing, task, {"decision": "approve"})
    assert response.status_code == 404
    assert (
        beijing.upload(f"{TASKS}/{task['id']}/documents", "report", minimal_pdf()).status_code
        == 404
    )
    # Nothing happened to the task.
    assert review_task(hunan, submitted)["assignee"] is None
    assert cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["status"] == "submitted"


def test_a_county_scope_inside_the_province_is_not_the_provincial_role(
    api: Api, factory: Factory, cinema: Api
) -> None:
    cinema.submitted_cinema_application()
    county = api.as_user(factory.staff(Role.COUNTY_REVIEWER, "430102"))
    assert county.get(TASKS).get_json()["items"] == []


def test_national_reviewer_does_not_see_provincial_tasks(cinema: Api, national: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    assert national.get(TASKS).get_json()["items"] == []
    assert national.get(f"/api/v1/applications/{submitted['id']}").status_code == 404


def test_admin_has_no_inbox(api: Api, factory: Factory, cinema: Api) -> None:
    cinema.submitted_cinema_application()
    admin = api.as_user(factory.staff(Role.ADMIN))
    assert admin.get(TASKS).get_json()["items"] == []


def test_applicant_sees_its_own_form_task_but_not_the_review(
    cinema: Api, other_cinema: Api, hunan: Api
) -> None:
    draft = cinema.new_cinema_application()

    (fill_in,) = cinema.get(TASKS).get_json()["items"]
    assert fill_in["application_id"] == draft["id"]
    assert fill_in["role"] == "applicant"
    assert other_cinema.get(TASKS).get_json()["items"] == []

    cinema.upload_licences(draft["id"])
    cinema.post(f"/api/v1/applications/{draft['id']}/submit")
    assert cinema.get(TASKS).get_json()["items"] == []
    review = review_task(hunan, draft)
    assert cinema.get(f"{TASKS}/{review['id']}").status_code == 404
    assert cinema.post(f"{TASKS}/{review['id']}/claim").status_code == 404

    hunan.decide(draft["id"], "return", "请补充放映许可证")
    (correct,) = cinema.get(TASKS).get_json()["items"]
    assert correct["role"] == "applicant"
    assert correct["name"] == "补正材料"


def test_inbox_lists_newest_first(cinema: Api, hunan: Api) -> None:
    """No task has a due date yet, so the newest comes first (not the first inserted)."""
    start = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
    created = {}
    for minutes in (20, 0, 10):  # inserted in another order than their times
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            created[minutes] = cinema.submitted_cinema_application()["id"]

    items = hunan.get(TASKS).get_json()["items"]

    assert [t["application_id"] for t in items] == [created[20], created[10], created[0]]
    assert all(t["due_at"] is None for t in items)


# Reading a task ------------------------------------------------------------------------


def test_task_detail_has_its_form_and_application(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = hunan.get(f"{TASKS}/{task['id']}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == task["id"]
    fields = {f["key"]: f for f in body["form"]["fields"]}
    assert set(fields) == {"decision", "comment"}
    assert [c["value"] for c in fields["decision"]["choices"]] == ["approve", "return", "reject"]
    assert fields["decision"]["required"] is True
    assert body["form"]["slots"] == []
    application = body["application"]
    assert application["id"] == submitted["id"]
    assert application["number"] == submitted["number"]
    assert application["data"]["name"] == "星光影城"
    assert len(application["documents"]) == 2


@pytest.mark.parametrize("task_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_task_is_404(hunan: Api, task_id: str) -> None:
    assert hunan.get(f"{TASKS}/{task_id}").status_code == 404
    assert hunan.post(f"{TASKS}/{task_id}/claim").status_code == 404
    assert hunan.post(f"{TASKS}/{task_id}/complete", json={"data": {}}).status_code == 404


def test_unauthenticated_is_401(api: Api) -> None:
    assert api.get(TASKS).status_code == 401


# Claiming ------------------------------------------------------------------------------


def test_claim_takes_the_task_and_starts_the_review(
    api: Api, factory: Factory, cinema: Api
) -> None:
    reviewer_user = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    hunan = api.as_user(reviewer_user)
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = hunan.post(f"{TASKS}/{task['id']}/claim")

    assert response.status_code == 200
    body = response.get_json()
    assert body["assignee"] == reviewer_user.username
    assert body["claimed_at"].endswith("+08:00")
    application = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()
    assert application["status"] == "under_review"
    assert application["history"][-1]["action"] == "claimed"
    assert application["history"][-1]["actor"] == reviewer_user.display_name


def test_claim_by_a_second_reviewer_is_409(api: Api, factory: Factory, cinema: Api) -> None:
    first = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="first"))
    second = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="second"))
    submitted = cinema.submitted_cinema_application()
    task = review_task(first, submitted)
    assert first.post(f"{TASKS}/{task['id']}/claim").status_code == 200

    response = second.post(f"{TASKS}/{task['id']}/claim")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert review_task(second, submitted)["assignee"] == "first"


def test_claiming_ones_own_task_again_is_harmless(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)
    first = hunan.post(f"{TASKS}/{task['id']}/claim").get_json()

    again = hunan.post(f"{TASKS}/{task['id']}/claim")

    assert again.status_code == 200
    assert again.get_json()["assignee"] == first["assignee"]
    assert again.get_json()["claimed_at"] == first["claimed_at"]
    history = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["history"]
    assert [h["action"] for h in history].count("claimed") == 1


def test_claiming_a_completed_task_is_409(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)
    assert complete(hunan, task, {"decision": "approve"}).status_code == 200
    assert hunan.post(f"{TASKS}/{task['id']}/claim").status_code == 409


def test_claimed_application_cannot_be_withdrawn(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    hunan.post(f"{TASKS}/{review_task(hunan, submitted)['id']}/claim")

    response = cinema.post(f"/api/v1/applications/{submitted['id']}/withdraw")

    assert response.status_code == 409
    assert cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["status"] == (
        "under_review"
    )


# Completing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "decision"),
        ({"comment": "好"}, "decision"),
        ({"decision": ""}, "decision"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "APPROVE"}, "decision"),
        ({"decision": ["approve"]}, "decision"),
        ({"decision": "return"}, "comment"),
        ({"decision": "return", "comment": ""}, "comment"),
        ({"decision": "reject"}, "comment"),
        ({"decision": "approve", "comment": "x" * 2001}, "comment"),
        ({"decision": "approve", "score": 5}, "score"),
    ],
)
def test_invalid_decision_is_422_and_changes_nothing(
    cinema: Api, hunan: Api, data: dict[str, Any], key: str
) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = complete(hunan, task, data)

    assert response.status_code == 422
    assert key in response.get_json()["errors"]
    after = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()
    assert after["status"] == "submitted"
    assert [t["id"] for t in after["tasks"]] == [task["id"]]
    assert "completed" not in [h["action"] for h in after["history"]]


@pytest.mark.parametrize("payload", [None, ["approve"], {"data": "approve"}, {"data": []}])
def test_complete_needs_a_json_object_with_a_data_object(
    cinema: Api, hunan: Api, payload: Any
) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)
    response = hunan.post(f"{TASKS}/{task['id']}/complete", json=payload)
    assert response.status_code == 422


def test_approve_needs_no_comment(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = complete(hunan, task, {"decision": "approve"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "approved"
    assert body["tasks"] == []
    assert body["result"]["cinema_code"] == "43000001"
    assert hunan.get(TASKS).get_json()["items"] == []


def test_completing_an_unclaimed_task_records_the_reviewer(
    api: Api, factory: Factory, cinema: Api
) -> None:
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    hunan = api.as_user(reviewer)
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    assert complete(hunan, task, {"decision": "approve"}).status_code == 200

    history = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["history"]
    (completed,) = [h for h in history if h["action"] == "completed"]
    assert completed["actor"] == reviewer.display_name
    assert completed["task"] == task["name"]
    assert completed["decision"] == "approve"


def test_complete_twice_is_409(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)
    assert complete(hunan, task, {"decision": "approve"}).status_code == 200

    response = complete(hunan, task, {"decision": "reject", "comment": "改主意了"})

    assert response.status_code == 409
    after = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()
    assert after["status"] == "approved"
    assert after["result"]["cinema_code"] == "43000001"


def test_completing_a_task_someone_else_claimed_is_409(
    api: Api, factory: Factory, cinema: Api
) -> None:
    first = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    second = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    submitted = cinema.submitted_cinema_application()
    task = review_task(first, submitted)
    first.post(f"{TASKS}/{task['id']}/claim")

    response = complete(second, task, {"decision": "approve"})

    assert response.status_code == 409
    after = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()
    assert after["status"] == "under_review"


def test_return_sends_it_back_to_the_applicant(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = complete(hunan, task, {"decision": "return", "comment": "营业执照不清晰"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "returned"
    assert [t["role"] for t in body["tasks"]] == ["applicant"]
    assert body["result"] == {}
    assert hunan.get(TASKS).get_json()["items"] == []


def test_task_documents_on_a_form_without_slots_is_422(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)

    response = hunan.upload(f"{TASKS}/{task['id']}/documents", "test_report", minimal_pdf())

    assert response.status_code == 422
    assert "slot" in response.get_json()["errors"]
    documents = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["documents"]
    assert len(documents) == 2


def test_task_documents_need_slot_and_file(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    task = review_task(hunan, submitted)
    response = hunan.client.post(
        f"{TASKS}/{task['id']}/documents",
        data={},
        headers={"Authorization": f"Bearer {hunan.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"slot", "file"}


def test_applicant_completing_its_form_task_submits_the_application(cinema: Api) -> None:
    draft = cinema.new_cinema_application(circuit=None)
    cinema.upload_licences(draft["id"])
    (fill_in,) = cinema.get(TASKS).get_json()["items"]

    response = cinema.post(
        f"{TASKS}/{fill_in['id']}/complete", json={"data": {"circuit": "万达院线"}}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["data"]["circuit"] == "万达院线"
    assert body["number"] is not None


def test_approvals_assign_cinema_codes_per_province(
    cinema: Api, other_cinema: Api, hunan: Api, beijing: Api, app: Any
) -> None:
    changsha = cinema.submitted_cinema_application()
    in_beijing = other_cinema.submitted_cinema_application(division_code="110105")
    yueyang = other_cinema.submitted_cinema_application(division_code="430602")

    codes = [
        hunan.decide(changsha["id"], "approve").get_json()["result"]["cinema_code"],
        beijing.decide(in_beijing["id"], "approve").get_json()["result"]["cinema_code"],
        hunan.decide(yueyang["id"], "approve").get_json()["result"]["cinema_code"],
    ]

    assert codes == ["43000001", "11000001", "43000002"]
    with app.app_context():
        registered = db.session.execute(sa.select(Cinema.code, Cinema.division_code)).all()
    assert sorted(registered) == [
        ("11000001", "110105"),
        ("43000001", "430102"),
        ("43000002", "430602"),
    ]
