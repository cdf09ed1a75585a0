"""Cinema registration end to end through the JSON API."""

from __future__ import annotations

from portal.accounts.models import Role
from tests.helpers import Api, Factory


def test_register_return_resubmit_approve(api: Api, factory: Factory) -> None:
    cinema = factory.applicant()
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    applicant = api.as_user(cinema)

    submitted = applicant.submitted_cinema_application()
    assert submitted["status"] == "submitted"
    assert submitted["number"].startswith("YYZC-")

    province = api.as_user(reviewer)
    response = province.decide(submitted["id"], "return", "营业执照不清晰")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "returned"

    again = applicant.post(f"/api/v1/applications/{submitted['id']}/submit")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["status"] == "submitted"
    assert again.get_json()["number"] == submitted["number"]

    approved = province.decide(submitted["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved"
    assert body["result"]["cinema_code"] == "43000001"
    seen = applicant.get(f"/api/v1/applications/{submitted['id']}").get_json()
    assert seen["result"]["cinema_code"] == "43000001"
    actions = [h["action"] for h in seen["history"]]
    assert actions.count("completed") == 2
