"""The pages of the ticketing-software filing (P1): the vendor fills in and submits
its filing with the commitment letter the portal fills in, the testing institute
records its result on its task page, and after filing the vendor finds the
filing number, the digests, the certificate and the test result on its
application's page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from forms import to_formdata
from portal.accounts.models import OrgType
from portal.documents.models import Document
from tests.certificates.pdftools import squashed_text
from tests.filing import COMMON_SLOTS, VARIANT_SLOTS, FilingSteps, filing_data, package_zip
from tests.helpers import Api, Factory, minimal_pdf
from tests.pages.conftest import Team
from tests.pages.support import application_id, count, post_form, signed_in, stored, task_ids, text

COMMITMENT_HINT = "请先填写并保存产品名称和版本号，之后可在此下载已填写上述信息的服务承诺书。"
COMMITMENT_LINK = "下载已填写本产品信息的服务承诺书（PDF）"


@pytest.fixture
def steps(api: Api, team: Team) -> FilingSteps:
    return FilingSteps(
        api.as_user(team.vendor), api.as_user(team.national), api.as_user(team.institute)
    )


@pytest.fixture
def vendor(app: Flask, team: Team) -> FlaskClient:
    return signed_in(app, "vendor")


@pytest.fixture
def commissioned(steps: FilingSteps) -> dict[str, Any]:
    """A filing whose materials the Office approved: it waits for the institute's test."""
    submitted = steps.submitted()
    return steps.decide(submitted["id"], "approve")


@pytest.fixture
def filed(steps: FilingSteps) -> dict[str, Any]:
    return steps.filed()


def new_filing(client: FlaskClient) -> str:
    """A new draft filing through the dashboard's button; the URL of its page."""
    response = client.post("/applicant/new/software_filing")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/edit")
    return f"/applicant/applications/{application_id(response)}"


def filing_form(action: str = "save", **overrides: Any) -> MultiDict[str, Any]:
    """The edit page's form data for the vendor's cinema ticketing software."""
    formdata = to_formdata({k: v for k, v in filing_data(**overrides).items() if v is not None})
    formdata.add("action", action)
    return formdata


def slot_block(body: str, slot: str) -> str:
    """The HTML of one document slot of the edit page, up to the next field."""
    start = body.index(f'for="{slot}"')
    end = body.find('class="form-field', start)
    return body[start : end if end != -1 else len(body)]


def institute_task(app: Flask, application: dict[str, Any]) -> tuple[FlaskClient, str]:
    """The institute signed in, and the URL of its testing task."""
    institute = signed_in(app, "institute")
    inbox = institute.get("/review/")
    assert application["number"] in text(inbox)
    (task_id,) = task_ids(inbox)
    return institute, f"/review/tasks/{task_id}"


def report_form(**fields: Any) -> MultiDict[str, Any]:
    formdata: MultiDict[str, Any] = MultiDict(
        {"result": "pass", "report_number": "JC-2026-0815", "comment": "符合"}
    )
    for key, value in fields.items():
        if value is None:
            formdata.pop(key, None)
        else:
            formdata[key] = value
    return formdata


def file_input(body: str, name: str) -> str:
    """The file input called ``name`` on a page, or ""."""
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', body)
    return match.group(0) if match and 'type="file"' in match.group(0) else ""


def download(client: FlaskClient, url: str) -> TestResponse:
    return client.get(url, buffered=True)


# Filling in -------------------------------------------------------------------------------


def test_the_commitment_letter_is_offered_once_product_and_version_are_saved(
    app: Flask, vendor: FlaskClient
) -> None:
    url = new_filing(vendor)
    before = vendor.get(url + "/edit")
    assert before.status_code == 200
    assert "票务软件产品备案申请" in text(before)
    block = slot_block(before.get_data(as_text=True), "commitment_letter")
    assert "服务承诺书" in block and COMMITMENT_HINT in block
    assert "commitment-letter.pdf" not in before.get_data(as_text=True)

    saved = post_form(vendor, url + "/edit", filing_form(version=None))
    assert saved.status_code == 302
    assert COMMITMENT_HINT in text(vendor.get(url + "/edit"))  # the version is still missing

    post_form(vendor, url + "/edit", filing_form())
    after = vendor.get(url + "/edit")
    body = after.get_data(as_text=True)
    letter = f"/api/v1/applications/{stored(app, url).id}/commitment-letter.pdf"
    block = slot_block(body, "commitment_letter")
    assert f'href="{letter}"' in block and COMMITMENT_LINK in block
    assert COMMITMENT_HINT not in text(after)
    assert body.count("commitment-letter.pdf") == 1  # beside its slot only

    response = download(vendor, letter)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"%PDF-")
    letter_text = squashed_text(response.data)
    assert "vendor有限公司" in letter_text
    assert "星光影院票务管理系统" in letter_text and "V3.2.1" in letter_text


def test_the_commitment_letter_is_only_for_the_applicant(
    app: Flask, factory: Factory, vendor: FlaskClient
) -> None:
    url = new_filing(vendor)
    post_form(vendor, url + "/edit", filing_form())
    letter = f"/api/v1/applications/{stored(app, url).id}/commitment-letter.pdf"
    factory.applicant(org_type=OrgType.TICKETING_VENDOR, username="rival")
    assert download(signed_in(app, "rival"), letter).status_code == 404
    assert download(app.test_client(), letter).status_code == 401


def test_the_edit_page_reads_in_english(app: Flask, vendor: FlaskClient) -> None:
    url = new_filing(vendor)
    vendor.get("/lang/en")
    page = text(vendor.get(url + "/edit"))
    assert "Ticketing software product filing" in page
    assert "Service commitment letter" in page
    assert (
        "Save the product name and version first: then download the commitment letter "
        "filled in with them here." in page
    )
    post_form(vendor, url + "/edit", filing_form())
    assert "Download the commitment letter filled in for this product (PDF)" in text(
        vendor.get(url + "/edit")
    )


def test_submitting_without_the_materials_lists_them_in_chinese(
    app: Flask, vendor: FlaskClient
) -> None:
    url = new_filing(vendor)
    response = post_form(vendor, url + "/edit", filing_form("submit"))
    assert response.status_code == 200
    page = text(response)
    assert "申请未提交" in page
    body = response.get_data(as_text=True)
    for slot in (*COMMON_SLOTS, *VARIANT_SLOTS["cinema_software"], "install_package"):
        assert f'id="{slot}-error"' in body, slot
    for label in (
        "备案申请",
        "营业执照（副本）",
        "服务承诺书",
        "软件著作权登记证书",
        "需求文档",
        "设计文档",
        "用户手册",
        "软件安装包",
    ):
        assert label in page
    assert "请上传此材料" in page
    assert "请上传软件安装包，或填写安装包的 HTTP 下载地址。" in page
    for english in ("This document is required", "Upload the installation package", "required"):
        assert english not in page
    application = stored(app, url)
    assert application.status == "draft"
    assert application.number is None
    assert count(app, Document) == 0


def test_a_vendor_cannot_file_agent_software(app: Flask, vendor: FlaskClient) -> None:
    url = new_filing(vendor)
    formdata = filing_form("submit", variant="agent_software")
    response = post_form(vendor, url + "/edit", formdata)
    assert response.status_code == 200
    page = text(response)
    assert "票务软件商备案电影院票务软件，电影票网络代售商备案电影票网络代售软件。" in page
    assert 'id="variant-error"' in response.get_data(as_text=True)
    assert stored(app, url).status == "draft"


def test_a_filing_submitted_through_the_page(app: Flask, vendor: FlaskClient) -> None:
    url = new_filing(vendor)
    formdata = filing_form("submit")
    for slot in (*COMMON_SLOTS, *VARIANT_SLOTS["cinema_software"]):
        formdata.add(slot, (io.BytesIO(minimal_pdf()), f"{slot}.pdf"))
    formdata.add("install_package", (io.BytesIO(package_zip()), "setup.zip"))
    response = post_form(vendor, url + "/edit", formdata)
    assert response.status_code == 302, text(response)
    assert response.headers["Location"] == url
    page = text(vendor.get(url))
    number = stored(app, url).number
    assert number is not None and number.startswith("RJBA-")
    assert number in page and "已提交" in page
    assert "电影资金办材料审核" in page
    assert "setup.zip" in page and "commitment_letter.pdf" in page


# The testing institute ------------------------------------------------------------------


def test_the_institute_task_page_shows_the_test_report_form(
    app: Flask, commissioned: dict[str, Any]
) -> None:
    institute, url = institute_task(app, commissioned)
    response = institute.get(url)
    assert response.status_code == 200
    page = text(response)
    body = response.get_data(as_text=True)
    assert "检测所检测" in page
    assert "星光影院票务管理系统" in page and "setup.zip" in page
    assert "检测结论" in page and "合格" in page and "不合格" in page
    assert 'type="radio"' in body and 'name="result"' in body
    assert 'value="pass"' in body and 'value="fail"' in body
    assert 'name="report_number"' in body and "检测报告编号" in page
    assert file_input(body, "test_report") and 'accept=".pdf"' in file_input(body, "test_report")
    assert file_input(body, "tested_package") and "所检测的安装包" in page
    assert "检测报告" in page
    assert 'enctype="multipart/form-data"' in body
    # The vendor's materials are listed; the agent's ICP licence, not asked of it, is not.
    assert "需求文档" in page and "用户手册" in page
    assert "ICP许可证" not in page


def test_the_institute_sees_the_testing_commission_letter(
    app: Flask, commissioned: dict[str, Any]
) -> None:
    letter = commissioned["result"]["commission_number"]
    institute, url = institute_task(app, commissioned)
    response = institute.get(url)
    page = text(response)
    assert "委托检测书" in page and letter in page
    body = response.get_data(as_text=True)
    assert f'href="/api/v1/certificates/{letter}/pdf"' in body
    pdf = download(institute, f"/api/v1/certificates/{letter}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_the_institute_records_its_result_on_the_page(
    app: Flask, commissioned: dict[str, Any]
) -> None:
    institute, url = institute_task(app, commissioned)
    missing = post_form(institute, url + "/complete", report_form(result=None))
    assert missing.status_code == 200
    assert 'id="result-error"' in missing.get_data(as_text=True)
    assert "此项为必填项" in text(missing)
    no_report = post_form(institute, url + "/complete", report_form())
    assert no_report.status_code == 200
    assert 'id="test_report-error"' in no_report.get_data(as_text=True)
    assert "请上传此材料" in text(no_report)

    formdata = report_form()
    formdata.add("test_report", (io.BytesIO(minimal_pdf()), "report.pdf"))
    done = post_form(institute, url + "/complete", formdata)
    assert done.status_code == 302
    assert "任务已办结" in text(institute.get(done.headers["Location"]))
    national = signed_in(app, "national")
    (task_id,) = task_ids(national.get("/review/"))
    assert "依据检测报告决定备案" in text(national.get(f"/review/tasks/{task_id}"))


def test_the_institute_must_upload_the_package_when_only_a_link_was_given(
    app: Flask, steps: FilingSteps
) -> None:
    submitted = steps.submitted(package_url="https://download.example.com/setup.zip")
    steps.decide(submitted["id"], "approve")
    institute, url = institute_task(app, submitted)
    formdata = report_form()
    formdata.add("test_report", (io.BytesIO(minimal_pdf()), "report.pdf"))
    response = post_form(institute, url + "/complete", formdata)
    assert response.status_code == 200
    assert "申请人未上传软件安装包，请上传所检测的安装包。" in text(response)
    assert 'id="tested_package-error"' in response.get_data(as_text=True)
    assert task_ids(institute.get("/review/")) == [url.rsplit("/", 1)[-1]]


def test_the_national_reviewer_sees_the_test_result_before_deciding(
    app: Flask, steps: FilingSteps, commissioned: dict[str, Any]
) -> None:
    steps.report(commissioned["id"], report_number="JC-2026-0815")
    national = signed_in(app, "national")
    (task_id,) = task_ids(national.get("/review/"))
    response = national.get(f"/review/tasks/{task_id}")
    page = text(response)
    assert "依据检测报告决定备案" in page
    assert "检测结论 合格" in page
    assert "检测报告编号 JC-2026-0815" in page
    assert "report.pdf" in page


# After filing ---------------------------------------------------------------------------


def test_the_applicant_sees_the_filing_on_its_application_page(
    vendor: FlaskClient, filed: dict[str, Any]
) -> None:
    result = filed["result"]
    response = vendor.get(f"/applicant/applications/{filed['id']}")
    assert response.status_code == 200
    page = text(response)
    body = response.get_data(as_text=True)
    assert "已通过" in page
    assert f"备案号 {result['filing_number']}" in page
    assert f"安装包 MD5 {result['package_md5']}" in page
    assert f"安装包 SHA-256 {result['package_sha256']}" in page
    number = result["certificate_number"]
    assert f"备案证书 {number}" in page
    assert re.search(
        rf"票务软件产品备案证书\s*</strong>\s*<span class=\"number\">{number}</span>\s*"
        r'<span class="badge badge-certificate-valid">有效</span>',
        body,
    )
    assert f'href="/verify/{number}"' in body
    pdf_url = f"/api/v1/certificates/{number}/pdf"
    assert f'href="{pdf_url}"' in body
    pdf = download(vendor, pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "委托检测书" in page and result["commission_number"] in page
    assert "予以备案" in page and "发布公示" in page  # the history
    for english in ("Filing", "Installation package", "Valid", "Software filed"):
        assert english not in page


def test_the_applicant_sees_the_test_result(vendor: FlaskClient, filed: dict[str, Any]) -> None:
    page = text(vendor.get(f"/applicant/applications/{filed['id']}"))
    assert "检测报告 检测所检测" in page
    assert "检测结论 合格" in page
    assert "检测报告编号 JC-2026-0815" in page
    assert "检测报告 report.pdf" in page


def test_the_application_page_reads_in_english(vendor: FlaskClient, filed: dict[str, Any]) -> None:
    vendor.get("/lang/en")
    page = text(vendor.get(f"/applicant/applications/{filed['id']}"))
    result = filed["result"]
    assert f"Filing number {result['filing_number']}" in page
    assert f"Filing certificate {result['certificate_number']}" in page
    assert f"Installation package SHA-256 {result['package_sha256']}" in page
    assert "Valid" in page and "Download the PDF" in page
    assert "Software filed" in page and "Announcement published" in page
    assert "备案号" not in page and "有效" not in page


def test_fields_of_the_other_variant_are_hidden_and_not_kept(
    app: Flask, vendor: FlaskClient, api: Api, team: Team
) -> None:
    url = new_filing(vendor)
    body = vendor.get(f"{url}/edit").get_data(as_text=True)
    for agent_only in ('name="data_interface_url"', 'name="icp_licence"'):
        field = body.index(agent_only)
        wrapper = body.rindex('class="conditional-item"', 0, field)
        assert "variant" in body[wrapper:field].split(">", 1)[0]  # hidden by the variant
    # The agent's interface address does not survive on a cinema software filing.
    response = api.as_user(team.vendor).patch(
        f"/api/v1/applications/{url.rsplit('/', 1)[1]}",
        json={"data": {"variant": "cinema_software", "data_interface_url": "https://x.test/api"}},
    )
    assert response.status_code == 200, response.get_json()
    assert not response.get_json()["data"].get("data_interface_url")
