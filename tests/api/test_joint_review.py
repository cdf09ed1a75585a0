"""A joint review 联合审核 published as a package: three reviewers of different roles
decide in parallel, each decision kept under its own name, shown to all, and the
status following every open task (api.md "Parallel (joint) reviews")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.accounts.models import OrgType, Role
from tests.helpers import Api, Factory
from tests.processes.packages import publish

PACKAGE = Path(__file__).parent / "packages" / "joint_review"
ROLES = ("union_reviewer", "film_bureau_reviewer", "association_reviewer")


@pytest.fixture
def cast(api: Api, factory: Factory) -> dict[str, Api]:
    admin = api.as_user(factory.staff(Role.ADMIN))
    response = publish(admin, PACKAGE)
    assert response.status_code == 201, response.get_json()
    people = {role: api.as_user(factory.staff(Role(role), "43")) for role in ROLES}
    people["applicant"] = api.as_user(factory.applicant(org_type=OrgType.PAYMENT_PLATFORM))
    people["elsewhere"] = api.as_user(factory.staff(Role.UNION_REVIEWER, "11"))
    return people


def submitted(applicant: Api) -> dict[str, Any]:
    created = applicant.post(
        "/api/v1/applications",
        json={
            "process": "joint_review",
            "data": {"platform_name": "惠民支付", "division_code": "430102"},
        },
    )
    assert created.status_code == 201, created.get_json()
    response = applicant.post(f"/api/v1/applications/{created.get_json()['id']}/submit")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def decide(reviewer: Api, application_id: str, decision: str, comment: str = "") -> Any:
    response = reviewer.decide(application_id, decision, comment)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_three_reviewers_decide_in_parallel_and_each_decision_is_kept(
    cast: dict[str, Api],
) -> None:
    application = submitted(cast["applicant"])
    app_id = application["id"]
    assert application["status"] == "submitted"
    assert sorted(t["role"] for t in application["tasks"]) == sorted(ROLES)
    assert cast["elsewhere"].get(f"/api/v1/applications/{app_id}").status_code == 404

    after_union = decide(cast["union_reviewer"], app_id, "approve", "工会同意")
    assert after_union["status"] == "under_review"  # two reviews still open
    assert sorted(t["role"] for t in after_union["tasks"]) == sorted(ROLES[1:])
    assert cast["applicant"].post(f"/api/v1/applications/{app_id}/withdraw").status_code == 409
    # Each reviewer sees the decisions already made.
    seen = cast["association_reviewer"].get(f"/api/v1/applications/{app_id}").get_json()
    assert [(r["role"], r["decision"], r["comment"]) for r in seen["reviews"]] == [
        ("union_reviewer", "approve", "工会同意")
    ]

    decide(cast["film_bureau_reviewer"], app_id, "return", "合作影院名单不全")
    returned = decide(cast["association_reviewer"], app_id, "approve", "协会同意")
    assert returned["status"] == "returned"
    assert {r["role"]: r["decision"] for r in returned["reviews"]} == {
        "union_reviewer": "approve",
        "film_bureau_reviewer": "return",
        "association_reviewer": "approve",
    }
    assert all(r["actor"] and r["at"] for r in returned["reviews"])

    # Corrected and resubmitted: all three review again, from a clean slate.
    task = cast["applicant"].open_task(app_id)
    response = cast["applicant"].post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"platform_name": "惠民支付（补正）", "division_code": "430102"}},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "submitted"
    for role in reversed(ROLES):  # another order this time
        final = decide(cast[role], app_id, "approve", "同意")
    assert final["status"] == "approved"
    assert len(final["reviews"]) == 6
    listed = cast["applicant"].get("/api/v1/public-lists/admitted_platforms").get_json()
    assert [item["organization"] for item in listed["items"]] == [final["organization"]["name"]]


def test_one_reject_rejects_even_when_the_others_approve(cast: dict[str, Api]) -> None:
    app_id = submitted(cast["applicant"])["id"]
    decide(cast["union_reviewer"], app_id, "approve")
    decide(cast["film_bureau_reviewer"], app_id, "reject", "不符合条件")
    rejected = decide(cast["association_reviewer"], app_id, "approve")
    assert rejected["status"] == "rejected"
    assert rejected["tasks"] == []
    listed = cast["applicant"].get("/api/v1/public-lists/admitted_platforms")
    assert listed.status_code == 200
    assert listed.get_json()["items"] == []  # declared by the package, nobody admitted


def test_a_reviewer_cannot_decide_twice_or_take_another_roles_task(
    cast: dict[str, Api],
) -> None:
    app_id = submitted(cast["applicant"])["id"]
    union_task = cast["union_reviewer"].open_task(app_id)
    decide(cast["union_reviewer"], app_id, "approve")
    again = cast["union_reviewer"].post(
        f"/api/v1/tasks/{union_task['id']}/complete",
        json={"data": {"decision": "reject", "comment": "改主意"}},
    )
    assert again.status_code in (404, 409)
    bureau_task = cast["film_bureau_reviewer"].open_task(app_id)
    stolen = cast["union_reviewer"].post(
        f"/api/v1/tasks/{bureau_task['id']}/complete",
        json={"data": {"decision": "approve", "comment": ""}},
    )
    assert stolen.status_code == 404
    reviews = cast["applicant"].get(f"/api/v1/applications/{app_id}").get_json()["reviews"]
    assert [(r["role"], r["decision"]) for r in reviews] == [("union_reviewer", "approve")]
