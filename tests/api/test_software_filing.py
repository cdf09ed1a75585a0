"""Ticketing-software filing (P1) end to end through the JSON API: both variants,
the certificates it issues, and every way back to the applicant or to a refusal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from cryptography import x509

from portal.issuance.models import Announcement, Certificate
from portal.processes.software_filing.models import SoftwareFiling
from tests.api.filing_fixtures import (  # noqa: F401 (cast_fixture is the fixture "cast")
    APPS,
    Cast,
    cast_fixture,
    china_today,
    complete,
    counts,
    day_before_anniversary,
    md5,
    public_certificate,
    seen,
    sha256,
)
from tests.certificates import pdftools
from tests.filing import AGENT_SOFTWARE, CINEMA_SOFTWARE, package_zip
from tests.helpers import Api, Factory, count_rows, minimal_pdf, openssl


def assert_filed(cast: Cast, filed: dict[str, Any], package: bytes) -> dict[str, Any]:
    """The filing's result and its certificate as the public sees it; returns the latter."""
    result = filed["result"]
    assert filed["status"] == "approved"
    assert filed["tasks"] == []
    assert re.fullmatch(rf"DYPW{china_today().year}-\d{{4}}", result["filing_number"])
    assert result["package_md5"] == md5(package)
    assert result["package_sha256"] == sha256(package)
    certificate = public_certificate(cast.api, result["certificate_number"])
    assert certificate["type"] == "software_filing"
    assert certificate["status"] == "valid"
    assert certificate["valid_from"] == china_today().isoformat()
    assert certificate["valid_until"] == day_before_anniversary(china_today(), 3).isoformat()
    details = certificate["details"]
    assert details["filing_number"] == result["filing_number"]
    assert details["package_md5"] == md5(package)
    assert details["package_sha256"] == sha256(package)
    assert details["product_name"] == filed["data"]["product_name"]
    assert details["version"] == filed["data"]["version"]
    commission = public_certificate(cast.api, result["commission_number"])
    assert commission["type"] == "testing_commission"
    assert commission["status"] == "valid"
    return certificate


def test_a_vendor_files_cinema_software(cast: Cast) -> None:
    package = package_zip("vendor build")

    filed = cast.vendor_steps.filed(CINEMA_SOFTWARE, package=package)

    certificate = assert_filed(cast, filed, package)
    assert filed["result"]["filing_number"] == f"DYPW{china_today().year}-0001"
    assert certificate["subject"] == "星光影院票务管理系统 V3.2.1"
    assert certificate["details"]["variant"] == CINEMA_SOFTWARE
    assert "digital_certificate_number" not in filed["result"]
    assert sorted(c["type"] for c in filed["certificates"]) == [
        "software_filing",
        "testing_commission",
    ]
    assert seen(cast.vendor, filed["id"])["result"] == filed["result"]


def test_an_agent_files_agent_software_with_the_package_the_institute_tested(
    cast: Cast,
) -> None:
    tested = package_zip("agent build tested by the institute")
    steps = cast.agent_steps
    submitted = steps.submitted(AGENT_SOFTWARE)
    steps.decide(submitted["id"], "approve")
    steps.report(submitted["id"], tested_package=tested)

    filed = steps.decide(submitted["id"], "approve")

    assert_filed(cast, filed, tested)
    commission = public_certificate(cast.api, filed["result"]["commission_number"])
    assert "自助取票机接口检测" in commission["details"]["tests"]
    number = filed["result"]["digital_certificate_number"]
    assert public_certificate(cast.api, number)["type"] == "digital_certificate"
    assert public_certificate(cast.api, number)["status"] == "valid"
    pem = cast.api.client.get(f"/api/v1/certificates/{number}/pem")
    ca = cast.api.client.get("/api/v1/ca.pem")
    assert pem.status_code == ca.status_code == 200
    verified = openssl("verify", "-CAfile", "{ca}", "{cert}", ca=ca.data, cert=pem.data)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip().endswith(": OK")
    assert x509.load_pem_x509_certificate(pem.data).issuer == (
        x509.load_pem_x509_certificate(ca.data).subject
    )


def test_a_vendor_giving_only_a_link_files_the_package_the_institute_tested(
    cast: Cast,
) -> None:
    tested = package_zip("downloaded from the vendor's link")
    steps = cast.vendor_steps
    submitted = steps.submitted(package_url="https://dl.example.com/xingguang-3.2.1.zip")
    assert "install_package" not in [d["slot"] for d in submitted["documents"]]
    steps.decide(submitted["id"], "approve")
    steps.report(submitted["id"], tested_package=tested)

    filed = steps.decide(submitted["id"], "approve")

    assert_filed(cast, filed, tested)
    assert filed["data"]["package_url"] == "https://dl.example.com/xingguang-3.2.1.zip"


def test_filing_numbers_follow_each_other_and_are_never_given_again(cast: Cast) -> None:
    year = china_today().year
    first = cast.vendor_steps.filed()["result"]
    second = cast.agent_steps.filed(AGENT_SOFTWARE)["result"]
    revoked = cast.national.post(
        f"/api/v1/certificates/{first['certificate_number']}/revoke",
        json={"reason": "软件与备案版本不一致"},
    )
    assert revoked.status_code == 200, revoked.get_json()

    third = cast.vendor_steps.filed(version="V3.3.0", package=package_zip("3.3.0"))["result"]

    numbers = [r["filing_number"] for r in (first, second, third)]
    assert numbers == [f"DYPW{year}-0001", f"DYPW{year}-0002", f"DYPW{year}-0003"]
    assert len({r["certificate_number"] for r in (first, second, third)}) == 3
    assert count_rows(cast.app, SoftwareFiling) == 3


def test_the_filing_certificate_pdf_reads_and_its_qr_opens_the_verification(
    cast: Cast,
) -> None:
    filed = cast.vendor_steps.filed()
    number = filed["result"]["certificate_number"]

    response = cast.vendor.download(f"/api/v1/certificates/{number}/pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    words = pdftools.squashed_text(response.data)
    assert "星光影院票务管理系统" in words
    assert filed["result"]["filing_number"] in words
    assert filed["result"]["package_sha256"] in words
    (url,) = pdftools.qr_codes(pdftools.page_image(response.data))
    assert re.fullmatch(rf"https://portal\.test/verify/{number}\?t=[\w-]+\.[\w-]+\.[\w-]+", url)
    (entry,) = cast.api.client.get("/api/v1/register/software").get_json()["items"]
    assert entry["verify_url"] == url
    parts = urlsplit(url)
    page = cast.api.client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert number in page.get_data(as_text=True)
    assert cast.other_vendor().download(f"/api/v1/certificates/{number}/pdf").status_code == 404


@pytest.mark.parametrize(
    ("moment", "number", "valid_from", "valid_until"),
    [
        # 00:30 on New Year's Day in China, still the old year in UTC
        (datetime(2027, 12, 31, 16, 30, tzinfo=UTC), "DYPW2028-0001", "2028-01-01", "2030-12-31"),
        # 29 February: the third anniversary is 1 March 2031
        (datetime(2028, 2, 28, 17, 0, tzinfo=UTC), "DYPW2028-0001", "2028-02-29", "2031-02-28"),
    ],
)
def test_the_filing_year_and_validity_are_counted_in_china_time(
    cast: Cast, moment: datetime, number: str, valid_from: str, valid_until: str
) -> None:
    with time_machine.travel(moment, tick=True):
        filed = cast.signed_in_again().filed()

    assert filed["result"]["filing_number"] == number
    certificate = public_certificate(cast.api, filed["result"]["certificate_number"])
    assert (certificate["valid_from"], certificate["valid_until"]) == (valid_from, valid_until)


# Back to the applicant, and refusals ------------------------------------------------------


def test_returned_twice_then_filed_supersedes_the_first_commission_letter(cast: Cast) -> None:
    steps, vendor = cast.vendor_steps, cast.vendor
    submitted = steps.submitted(package=package_zip("first build"))
    app_id = submitted["id"]

    returned = steps.decide(app_id, "return", "用户手册缺页，请补正")
    assert returned["status"] == "returned"
    assert returned["certificates"] == []
    assert [t["form"] for t in vendor.get("/api/v1/tasks").get_json()["items"]] == [
        "software_filing"
    ]
    steps.upload(app_id, "user_manual", minimal_pdf(), "user_manual_v2.pdf")
    assert vendor.post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    first = steps.decide(app_id, "approve")["result"]["commission_number"]
    steps.report(app_id)
    again = steps.decide(app_id, "return", "检测版本与申报版本不一致，请更新安装包")
    assert again["status"] == "returned"
    assert count_rows(cast.app, SoftwareFiling) == 0

    corrected = package_zip("corrected build")
    steps.upload(app_id, "install_package", corrected, "setup-3.2.1b.zip")
    resubmitted = vendor.post(f"/api/v1/applications/{app_id}/submit")
    assert resubmitted.status_code == 200, resubmitted.get_json()
    assert resubmitted.get_json()["number"] == submitted["number"]
    second = steps.decide(app_id, "approve")["result"]["commission_number"]

    assert second != first
    old = public_certificate(cast.api, first)
    assert old["status"] == "superseded"
    assert old["superseded_by"] == second
    assert public_certificate(cast.api, second)["status"] == "valid"
    steps.report(app_id)
    filed = steps.decide(app_id, "approve")
    assert_filed(cast, filed, corrected)  # the newest upload of the package
    assert filed["result"]["commission_number"] == second
    comments = [h["comment"] for h in seen(vendor, app_id)["history"] if h["comment"]]
    assert "用户手册缺页，请补正" in comments
    assert "检测版本与申报版本不一致，请更新安装包" in comments


def assert_nothing_filed(cast: Cast, application: dict[str, Any]) -> None:
    assert "filing_number" not in application["result"]
    assert "software_filing" not in [c["type"] for c in application["certificates"]]
    assert count_rows(cast.app, SoftwareFiling) == 0
    assert count_rows(cast.app, Announcement) == 0
    register = cast.api.client.get("/api/v1/register/software").get_json()
    assert (register["items"], register["total"]) == ([], 0)


def test_materials_rejected_is_the_end(cast: Cast) -> None:
    submitted = cast.vendor_steps.submitted()

    rejected = cast.vendor_steps.decide(submitted["id"], "reject", "软件著作权登记证书与产品不符")

    assert rejected["status"] == "rejected"
    assert rejected["tasks"] == []
    assert rejected["certificates"] == []
    assert count_rows(cast.app, Certificate) == 0
    assert_nothing_filed(cast, rejected)
    assert cast.vendor.get("/api/v1/tasks").get_json()["items"] == []


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_a_failed_test_is_decided_by_the_national_reviewer(cast: Cast, decision: str) -> None:
    steps = cast.agent_steps
    submitted = steps.submitted(AGENT_SOFTWARE)
    steps.decide(submitted["id"], "approve")
    after_test = steps.report(submitted["id"], "fail", tested_package=package_zip())
    assert after_test["status"] == "under_review"  # tested: the decision is next
    task = cast.national.open_task(submitted["id"])
    assert (task["name"], task["form"]) == ("检测不合格的处理", "review_failed_test")
    assert cast.national.get(f"/api/v1/tasks/{task['id']}").status_code == 200

    response = complete(
        cast.national, task["id"], {"decision": decision, "comment": "售票数据接口不合格"}
    )

    assert response.status_code == 200, response.get_json()
    decided = response.get_json()
    assert_nothing_filed(cast, decided)
    assert "digital_certificate_number" not in decided["result"]
    if decision == "return":
        assert decided["status"] == "returned"
        assert cast.agent.open_task(submitted["id"])["form"] == "software_filing"
        assert cast.national.get("/api/v1/tasks").get_json()["items"] == []
    else:
        assert decided["status"] == "rejected"
        assert decided["tasks"] == []
        assert cast.agent.get("/api/v1/tasks").get_json()["items"] == []


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_the_filing_decision_can_refuse_after_a_passed_test(cast: Cast, decision: str) -> None:
    steps = cast.vendor_steps
    submitted = steps.submitted()
    steps.decide(submitted["id"], "approve")
    steps.report(submitted["id"], "pass")
    before = counts(cast.app)

    decided = steps.decide(submitted["id"], decision, "检测报告结论与申报材料不一致")

    assert decided["status"] == {"return": "returned", "reject": "rejected"}[decision]
    assert_nothing_filed(cast, decided)
    assert counts(cast.app)["certificates"] == before["certificates"]
    commission = public_certificate(cast.api, decided["result"]["commission_number"])
    assert commission["status"] == "valid"


# The service commitment letter, filled in for the applicant ---------------------------


def letter(client: Api, application_id: str) -> Any:
    return client.download(f"{APPS}/{application_id}/commitment-letter.pdf")


def test_the_commitment_letter_is_filled_in_with_company_product_and_version(
    cast: Cast,
) -> None:
    draft = cast.vendor_steps.create(product_name="银河影院票务系统", version="V5.0.2")

    response = letter(cast.vendor, draft["id"])

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    words = pdftools.squashed_text(response.data)
    assert "服务承诺书" in words
    assert "".join(cast.vendor_user.organization.name.split()) in words
    assert "银河影院票务系统" in words
    assert "V5.0.2" in words
    colleague = cast.api.as_user(cast.factory.colleague(cast.vendor_user))
    assert letter(colleague, draft["id"]).status_code == 200


def test_no_commitment_letter_before_product_and_version_are_saved(cast: Cast) -> None:
    response = cast.vendor.post(
        APPS,
        json={
            "process": "software_filing",
            "data": {"variant": CINEMA_SOFTWARE, "product_name": "银河"},
        },
    )
    assert response.status_code == 201, response.get_json()  # a draft may be incomplete
    unversioned = response.get_json()["id"]
    assert letter(cast.vendor, unversioned).status_code == 409
    assert letter(cast.vendor, unversioned).get_json()["error"]["code"] == "conflict"

    draft = cast.vendor_steps.create()
    assert letter(cast.vendor, draft["id"]).status_code == 200
    cleared = cast.vendor.patch(f"{APPS}/{draft['id']}", json={"data": {"version": None}})
    assert cleared.status_code == 200, cleared.get_json()
    assert letter(cast.vendor, draft["id"]).status_code == 409


def test_the_commitment_letter_is_only_for_the_applicants_own_filing(
    cast: Cast, api: Api, factory: Factory
) -> None:
    submitted = cast.vendor_steps.submitted()
    assert seen(cast.national, submitted["id"])["id"] == submitted["id"]  # staff see it...

    for outsider in (cast.other_vendor(), cast.agent, cast.national, cast.institute):
        response = letter(outsider, submitted["id"])  # ...but the letter is not theirs
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["error"]["code"] == "not_found"
    cinema = api.as_user(factory.applicant())
    registration = cinema.new_cinema_application()
    assert letter(cinema, registration["id"]).status_code == 404
    assert letter(cast.vendor, "0b8e7c39-6a4f-4c1e-9f55-1c1d0b8f6a11").status_code == 404
    assert cast.api.client.get(f"{APPS}/{submitted['id']}/commitment-letter.pdf").status_code == 401
