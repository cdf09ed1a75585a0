"""What the pilot admission tests share: the package, its data per category and the
steps an applicant and the reviewers take through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import Api, minimal_pdf
from tests.processes.packages import (
    PROCESSES_DIR,
    copy_package,
    remove_elements,
)

KEY = "pilot_admission"
PACKAGE = PROCESSES_DIR / KEY
PUBLIC_LIST = "/api/v1/public-lists/zhengzhou_pilot_enterprises"
QUOTA_NAMES = ("试点名额", "Pilot places", "pilot_places")

NAMES = {
    "bookstore": "松社书店",
    "cinema": "绿城国际影城",
    "venue": "郑州小剧场",
    "agency": "中原演艺经纪有限公司",
}
CRITERIA: dict[str, dict[str, Any]] = {
    "bookstore": {"annual_book_sales": 1_200_000, "landmark_store": True},
    "cinema": {"annual_box_office": 23_000_000},
    "venue": {"annual_shows": 120},
    "agency": {
        "cases": [
            {
                "title": "国家级院团经典剧目郑州巡演",
                "held_on": "2016-05-20",
                "summary": "组织国家级专业院团演出 6 场，观众 8000 余人次。",
            }
        ]
    },
}

# Version 2 of the process: submission goes straight to the city.
WITHOUT_DISTRICT = remove_elements(
    [
        "lane_district",
        "district_review",
        "district_decision",
        "to_district_decision",
        "recommended",
        "district_returned",
        "district_rejected",
    ],
    rewire={"submitted": "city_review", "resubmitted": "city_review"},
)


def pilot_data(category: str, **overrides: Any) -> dict[str, Any]:
    """Complete data of an applicant that meets its category's criteria (Zhongyuan district)."""
    data: dict[str, Any] = {
        "category": category,
        "name": NAMES[category],
        "division_code": "410102",
        "violation_free_3y": True,
        **CRITERIA[category],
    }
    data.update(overrides)
    return data


def create(applicant: Api, category: str, **overrides: Any) -> dict[str, Any]:
    response = applicant.post(
        "/api/v1/applications", json={"process": KEY, "data": pilot_data(category, **overrides)}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload_licence(applicant: Api, application_id: str, content: bytes | None = None) -> None:
    response = applicant.upload(
        f"/api/v1/applications/{application_id}/documents",
        "licence",
        content or minimal_pdf(),
        "licence.pdf" if content is None else "licence.png",
    )
    assert response.status_code == 201, response.get_json()


def submit(applicant: Api, application_id: str) -> TestResponse:
    return applicant.post(f"/api/v1/applications/{application_id}/submit")


def submitted(applicant: Api, category: str, **overrides: Any) -> dict[str, Any]:
    """Create, upload the licence and submit."""
    application = create(applicant, category, **overrides)
    upload_licence(applicant, application["id"])
    response = submit(applicant, application["id"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def decide(reviewer: Api, application_id: str, decision: str, comment: str = "") -> dict[str, Any]:
    response = reviewer.decide(application_id, decision, comment)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def fetch(api: Api, application_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/applications/{application_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def roles(application: dict[str, Any]) -> list[str]:
    return [task["role"] for task in application["tasks"]]


def startable(applicant: Api) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in applicant.get("/api/v1/processes").get_json()["items"]}


def listed(client: FlaskClient) -> list[dict[str, Any]]:
    """The public list of pilot enterprises, read without signing in (the portal
    answers 404 for a list nobody has been entered on yet)."""
    response = client.get(PUBLIC_LIST)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def messages_about(applicant: Api, application: dict[str, Any]) -> list[str]:
    items = applicant.get("/api/v1/notifications").get_json()["items"]
    return [n["message"] for n in items if n["application_id"] == application["id"]]


def with_limits(tmp_path: Path, **limits: int) -> Path:
    """A copy of the package whose quota has the given limits."""

    def change(manifest: dict[str, Any]) -> None:
        manifest["quotas"]["pilot_places"]["limits"].update(limits)

    return copy_package(KEY, tmp_path / "limited", manifest=change)
