"""Cultural-consumption pilot enterprise admission (P8) end to end through the API.

The process is only data (``processes/pilot_admission/``: BPMN, form, manifest).
An administrator publishes it; an enterprise applies to its district, the district
recommends it, the city approves it, and the building blocks its BPMN names take a
quota place, issue the pilot enterprise letter, list the enterprise publicly and
notify it (郑政办〔2016〕59号 §三(二), seed 004).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portal.accounts.models import OrgType, Role
from tests.helpers import minimal_png
from tests.integration.test_concurrency import race
from tests.processes.cast import Zhengzhou
from tests.processes.packages import (
    publish,
)
from tests.processes.pilot import (
    CRITERIA,
    KEY,
    NAMES,
    PACKAGE,
    PUBLIC_LIST,
    QUOTA_NAMES,
    create,
    decide,
    fetch,
    listed,
    messages_about,
    pilot_data,
    roles,
    startable,
    submit,
    submitted,
    upload_licence,
    with_limits,
)

# Publishing ----------------------------------------------------------------------------


def test_not_offered_until_an_administrator_publishes_it(zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise()
    assert KEY not in startable(applicant)
    refused = applicant.post("/api/v1/applications", json={"process": KEY, "data": {}})
    assert refused.status_code == 404

    response = publish(zhengzhou.admin, PACKAGE)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"key": KEY, "version": 1}

    offered = startable(applicant)[KEY]
    assert offered["version"] == 1
    assert offered["name"] == "文化消费试点企业准入"
    assert KEY in startable(zhengzhou.enterprise(OrgType.CINEMA))
    assert KEY not in startable(zhengzhou.enterprise(OrgType.PAYMENT_PLATFORM))

    form = applicant.get(f"/api/v1/processes/{KEY}").get_json()["form"]
    assert {f["key"] for f in form["fields"]} >= {
        "category",
        "name",
        "division_code",
        "violation_free_3y",
        "annual_book_sales",
        "annual_box_office",
        "annual_shows",
        "cases",
    }
    (slot,) = form["slots"]
    assert slot["key"] == "licence"
    assert slot["required"] is True
    assert set(slot["accept"]) == {"pdf", "jpg", "jpeg", "png"}

    again = publish(zhengzhou.admin, PACKAGE)
    assert again.status_code == 200
    assert again.get_json() == {"key": KEY, "version": 1}


# The whole way, for every category ------------------------------------------------------


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("category", "org_type", "division"),
    [
        pytest.param("bookstore", OrgType.CULTURAL_ENTERPRISE, "410102", id="bookstore"),
        pytest.param("cinema", OrgType.CINEMA, "410103", id="cinema"),
        pytest.param("venue", OrgType.CULTURAL_ENTERPRISE, "410105", id="venue"),
        pytest.param("agency", OrgType.CULTURAL_ENTERPRISE, "410172", id="agency"),
    ],
)
def test_recommended_and_approved_enterprise_becomes_a_pilot_enterprise(
    category: str, org_type: OrgType, division: str, zhengzhou: Zhengzhou
) -> None:
    applicant = zhengzhou.enterprise(org_type)
    application = submitted(applicant, category, division_code=division)
    assert application["status"] == "submitted"
    assert application["version"] == 1
    assert application["number"].startswith("SDZR-")
    assert roles(application) == ["district_reviewer"]

    recommended = decide(zhengzhou.district(division), application["id"], "approve", "予以推荐。")
    assert recommended["status"] == "submitted"
    assert roles(recommended) == ["city_reviewer"]

    admitted = decide(zhengzhou.city, application["id"], "approve")
    assert admitted["status"] == "approved"
    assert admitted["tasks"] == []
    number = admitted["result"]["certificate_number"]
    assert number.startswith("SDQY")
    assert [(c["number"], c["type"], c["status"]) for c in admitted["certificates"]] == [
        (number, "pilot_letter", "valid")
    ]

    letter = zhengzhou.public.get(f"/api/v1/certificates/{number}")
    assert letter.status_code == 200, letter.get_json()
    body = letter.get_json()
    assert (body["number"], body["type"], body["status"]) == (number, "pilot_letter", "valid")
    assert body["subject"] == NAMES[category]
    term = date.fromisoformat(body["valid_until"][:10]) - date.fromisoformat(body["issued_at"][:10])
    assert 364 <= term.days <= 366  # valid_years 1

    organization = admitted["organization"]["name"]
    entries = listed(zhengzhou.public)
    assert [(i["organization"], i["certificate"]) for i in entries] == [(organization, number)]
    title = zhengzhou.public.get(PUBLIC_LIST).get_json()["title"]
    assert title in {
        "郑州市文化消费试点企业名单",
        "Zhengzhou cultural-consumption pilot enterprises",
    }

    (message,) = messages_about(applicant, application)
    assert application["number"] in message


# Criteria --------------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("category", "field", "missing", "enough"),
    [
        ("bookstore", "annual_book_sales", None, 500_000),
        ("cinema", "annual_box_office", None, 15_000_000),
        ("venue", "annual_shows", None, 50),
        ("agency", "cases", [], CRITERIA["agency"]["cases"]),
    ],
)
def test_each_category_must_show_its_own_criterion(
    category: str, field: str, missing: Any, enough: Any, zhengzhou: Zhengzhou
) -> None:
    applicant = zhengzhou.enterprise()
    application = create(applicant, category, **{field: missing})
    upload_licence(applicant, application["id"])

    refused = submit(applicant, application["id"])
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == [field]
    assert fetch(applicant, application["id"])["status"] == "draft"

    url = f"/api/v1/applications/{application['id']}"
    assert applicant.patch(url, json={"data": {field: enough}}).status_code == 200
    accepted = submit(applicant, application["id"])
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "submitted"


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("category", "field", "below"),
    [
        ("bookstore", "annual_book_sales", 400_000),
        ("cinema", "annual_box_office", 14_999_999),
        ("venue", "annual_shows", 49),
    ],
)
def test_figures_below_the_threshold_are_refused(
    category: str, field: str, below: int, zhengzhou: Zhengzhou
) -> None:
    applicant = zhengzhou.enterprise()
    # The portal checks ranges whenever data is saved, so such a figure never
    # reaches the submission: creating or saving it is refused already.
    data = pilot_data(category, **{field: below})
    refused = applicant.post("/api/v1/applications", json={"process": KEY, "data": data})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == [field]

    application = create(applicant, category, **{field: None})
    url = f"/api/v1/applications/{application['id']}"
    assert applicant.patch(url, json={"data": {field: below}}).status_code == 422
    upload_licence(applicant, application["id"])
    refused = submit(applicant, application["id"])
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == [field]


@pytest.mark.usefixtures("published")
def test_a_violation_in_the_last_three_years_rules_the_enterprise_out(
    zhengzhou: Zhengzhou,
) -> None:
    applicant = zhengzhou.enterprise()
    application = create(applicant, "bookstore", violation_free_3y=False)
    upload_licence(applicant, application["id"])

    refused = submit(applicant, application["id"])
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["violation_free_3y"]
    seen = fetch(applicant, application["id"])
    assert (seen["status"], seen["number"]) == ("draft", None)


@pytest.mark.usefixtures("published")
def test_the_licence_and_a_district_of_the_pilot_area_are_required(zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise()
    application = create(applicant, "venue")
    refused = submit(applicant, application["id"])
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["licence"]

    for code in ("410122", "430102", "4101"):  # Zhongmu county, Changsha, not a district
        data = pilot_data("venue", division_code=code)
        response = applicant.post("/api/v1/applications", json={"process": KEY, "data": data})
        assert response.status_code == 422, code
        assert list(response.get_json()["errors"]) == ["division_code"]


# Return, rejection, scope ---------------------------------------------------------------


@pytest.mark.usefixtures("published")
def test_district_returns_the_applicant_corrects_and_resubmits(zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise()
    application = submitted(applicant, "bookstore")
    zhongyuan = zhengzhou.district("410102")

    assert zhongyuan.decide(application["id"], "return").status_code == 422  # no comment
    comment = "请上传加盖公章的出版物经营许可证副本。"
    returned = decide(zhongyuan, application["id"], "return", comment)
    assert returned["status"] == "returned"
    assert roles(returned) == ["applicant"]
    seen = fetch(applicant, application["id"])
    assert seen["status"] == "returned"
    assert any(h["comment"] == comment and h["decision"] == "return" for h in seen["history"])
    assert any(application["number"] in m for m in messages_about(applicant, application))

    url = f"/api/v1/applications/{application['id']}"
    assert applicant.patch(url, json={"data": {"annual_book_sales": 800_000}}).status_code == 200
    upload_licence(applicant, application["id"], minimal_png())
    again = submit(applicant, application["id"])
    assert again.status_code == 200, again.get_json()
    resubmitted = again.get_json()
    assert resubmitted["status"] == "submitted"
    assert resubmitted["number"] == application["number"]
    assert roles(resubmitted) == ["district_reviewer"]

    decide(zhongyuan, application["id"], "approve")
    admitted = decide(zhengzhou.city, application["id"], "approve")
    assert admitted["status"] == "approved"
    assert admitted["data"]["annual_book_sales"] == 800_000


@pytest.mark.usefixtures("published")
def test_a_return_by_the_city_goes_back_through_the_district(zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise(OrgType.CINEMA)
    application = submitted(applicant, "cinema")
    decide(zhengzhou.district("410102"), application["id"], "approve")

    returned = decide(zhengzhou.city, application["id"], "return", "请补充放映许可证年检记录。")
    assert returned["status"] == "returned"
    again = submit(applicant, application["id"])
    assert again.status_code == 200, again.get_json()
    assert roles(again.get_json()) == ["district_reviewer"]


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize("level", ["district", "city"])
def test_rejection_ends_the_application(level: str, zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise()
    application = submitted(applicant, "agency")
    zhongyuan = zhengzhou.district("410102")
    if level == "city":
        decide(zhongyuan, application["id"], "approve")
    reviewer = zhongyuan if level == "district" else zhengzhou.city

    assert reviewer.decide(application["id"], "reject").status_code == 422  # no comment
    rejected = decide(reviewer, application["id"], "reject", "未提供文化主管部门的备案证明。")
    assert rejected["status"] == "rejected"
    assert rejected["tasks"] == []
    assert "certificate_number" not in rejected["result"]
    assert rejected["certificates"] == []
    assert listed(zhengzhou.public) == []
    assert any(application["number"] in m for m in messages_about(applicant, application))


@pytest.mark.usefixtures("published")
def test_reviewers_outside_the_district_or_city_see_nothing(zhengzhou: Zhengzhou) -> None:
    applicant = zhengzhou.enterprise()
    application = submitted(applicant, "bookstore", division_code="410102")
    erqi = zhengzhou.district("410103")
    task = zhengzhou.district("410102").open_task(application["id"])
    approve = {"data": {"decision": "approve", "comment": ""}}

    assert erqi.get("/api/v1/tasks").get_json()["items"] == []
    assert erqi.get(f"/api/v1/tasks/{task['id']}").status_code == 404
    assert erqi.post(f"/api/v1/tasks/{task['id']}/complete", json=approve).status_code == 404
    assert erqi.get(f"/api/v1/applications/{application['id']}").status_code == 404

    decide(zhengzhou.district("410102"), application["id"], "approve")
    kaifeng = zhengzhou.staff(Role.CITY_REVIEWER, "4102")
    city_task = zhengzhou.city.open_task(application["id"])
    assert kaifeng.get("/api/v1/tasks").get_json()["items"] == []
    assert kaifeng.get(f"/api/v1/tasks/{city_task['id']}").status_code == 404
    completed = kaifeng.post(f"/api/v1/tasks/{city_task['id']}/complete", json=approve)
    assert completed.status_code == 404
    seen = fetch(applicant, application["id"])
    assert (seen["status"], roles(seen)) == ("submitted", ["city_reviewer"])


# Quotas ---------------------------------------------------------------------------------


def test_the_citys_approval_beyond_the_quota_is_refused_and_changes_nothing(
    zhengzhou: Zhengzhou, tmp_path: Path
) -> None:
    response = publish(zhengzhou.admin, with_limits(tmp_path, bookstore=1, cinema=1))
    assert response.status_code == 201, response.get_json()
    applicants = [zhengzhou.enterprise(), zhengzhou.enterprise()]
    first, second = (submitted(a, "bookstore") for a in applicants)
    for application in (first, second):
        decide(zhengzhou.district("410102"), application["id"], "approve")
    admitted = decide(zhengzhou.city, first["id"], "approve")
    assert admitted["status"] == "approved"

    before = fetch(applicants[1], second["id"])
    refused = zhengzhou.city.decide(second["id"], "approve")
    assert refused.status_code == 409, refused.get_json()
    message = refused.get_json()["error"]["message"]
    assert any(name in message for name in QUOTA_NAMES), message

    after = fetch(applicants[1], second["id"])
    assert after == before
    assert (after["status"], roles(after)) == ("submitted", ["city_reviewer"])
    assert "certificate_number" not in after["result"]
    assert after["certificates"] == []
    organizations = [i["organization"] for i in listed(zhengzhou.public)]
    assert organizations == [admitted["organization"]["name"]]
    assert messages_about(applicants[1], second) == []

    # Each category has places of its own.
    cinema = submitted(zhengzhou.enterprise(OrgType.CINEMA), "cinema")
    decide(zhengzhou.district("410102"), cinema["id"], "approve")
    assert decide(zhengzhou.city, cinema["id"], "approve")["status"] == "approved"
    # The refused application can still be decided otherwise.
    rejected = decide(zhengzhou.city, second["id"], "reject", "书店类试点名额已满。")
    assert rejected["status"] == "rejected"


@pytest.mark.postgres
def test_city_approvals_racing_for_the_last_place_have_one_winner(
    zhengzhou: Zhengzhou, tmp_path: Path
) -> None:
    assert publish(zhengzhou.admin, with_limits(tmp_path, bookstore=1)).status_code == 201
    applicants = [zhengzhou.enterprise() for _ in range(3)]
    applications = [submitted(a, "bookstore") for a in applicants]
    for application in applications:
        decide(zhengzhou.district("410102"), application["id"], "approve")
    tasks = [zhengzhou.city.open_task(a["id"]) for a in applications]
    reviewers = [zhengzhou.city] + [zhengzhou.staff(Role.CITY_REVIEWER, "4101") for _ in range(2)]
    approve = {"data": {"decision": "approve", "comment": ""}}

    responses = race(
        [
            lambda r=r, t=t: r.post(f"/api/v1/tasks/{t['id']}/complete", json=approve)
            for r, t in zip(reviewers, tasks, strict=True)
        ]
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409], [r.get_json() for r in responses]
    (winner,) = [i for i, r in enumerate(responses) if r.status_code == 200]
    for index, (applicant, application) in enumerate(zip(applicants, applications, strict=True)):
        seen = fetch(applicant, application["id"])
        if index == winner:
            assert seen["status"] == "approved"
            assert len(seen["certificates"]) == 1
            continue
        message = responses[index].get_json()["error"]["message"]
        assert any(name in message for name in QUOTA_NAMES), message
        assert (seen["status"], roles(seen)) == ("submitted", ["city_reviewer"])
        assert seen["certificates"] == []
    (entry,) = listed(zhengzhou.public)
    assert entry["certificate"] == responses[winner].get_json()["result"]["certificate_number"]
