"""A certificate PDF as an outsider meets it: downloaded, read, its QR code scanned and
followed, its token and signature checked against what the portal publishes."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from cryptography import x509
from flask import Flask
from flask.testing import FlaskClient

from certificates import verify_pdf, verify_token
from portal.accounts.models import Role, User
from portal.core.clock import CHINA
from portal.core.extensions import db, processes
from portal.issuance.services import CertificateService
from tests.certificates import pdftools
from tests.helpers import Api, Factory, commission_letter, issue_certificate
from tests.pages.support import text

AUTHENTIC = "二维码签名有效，证书信息由平台签发"
NOT_AUTHENTIC = "二维码签名无效：该链接不是平台签发的，或已被改动"
ABSENT = "未附带二维码签名，以下为平台登记的信息"


@pytest.fixture
def vendor(factory: Factory) -> User:
    return factory.applicant(username="vendor")


@pytest.fixture
def number(app: Flask, vendor: User) -> str:
    """A testing commission letter issued to the vendor."""
    return issue_certificate(app, vendor)


@pytest.fixture
def pdf(api: Api, vendor: User, number: str) -> bytes:
    response = api.as_user(vendor).download(f"/api/v1/certificates/{number}/pdf")
    assert response.status_code == 200
    return bytes(response.data)


@pytest.fixture
def qr_url(pdf: bytes) -> str:
    (url,) = pdftools.qr_codes(pdftools.page_image(pdf))
    return url


def follow(client: FlaskClient, url: str) -> tuple[int, str]:
    """Open a verification URL (its path and query) on the test client; the page text."""
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return response.status_code, text(response)


def token_of(url: str) -> str:
    return url.split("?t=", 1)[1]


def test_the_pdf_goes_to_its_holder_and_to_staff_only(
    api: Api, factory: Factory, vendor: User, number: str
) -> None:
    url = f"/api/v1/certificates/{number}/pdf"
    holder = api.as_user(vendor).download(url)
    assert holder.status_code == 200
    assert holder.mimetype == "application/pdf"
    assert holder.data.startswith(b"%PDF-")
    assert f"filename={number}.pdf" in holder.headers["Content-Disposition"]
    colleague = api.as_user(factory.colleague(vendor)).download(url)
    assert colleague.status_code == 200
    for role in (Role.TESTING_INSTITUTE, Role.NATIONAL_REVIEWER, Role.ADMIN):
        assert api.as_user(factory.staff(role)).download(url).status_code == 200, role
    assert api.as_user(factory.applicant()).download(url).status_code == 404
    assert api.client.get(url).status_code == 401
    assert (
        api.as_user(vendor).download("/api/v1/certificates/WTJC2026999999/pdf").status_code == 404
    )


def test_the_pdf_names_subject_and_number_and_its_qr_opens_the_verification_page(
    pdf: bytes, number: str, qr_url: str, client: FlaskClient
) -> None:
    words = pdftools.squashed_text(pdf)
    assert "云影网络售票平台" in words
    assert "北京云影网络科技有限公司" in words
    assert number in words
    assert re.fullmatch(r"WTJC20\d\d000001", number)
    assert re.fullmatch(rf"https://portal\.test/verify/{number}\?t=[\w-]+\.[\w-]+\.[\w-]+", qr_url)
    assert len(qr_url) <= 320  # scans from a 72-dpi photocopy (tests/certificates/test_layout.py)
    assert f"验证网址：portal.test/verify/{number}" in words and "?t=" not in words

    status, page = follow(client, qr_url)

    assert status == 200
    assert "有效" in page and "已撤销" not in page
    assert AUTHENTIC in page
    assert number in page and "云影网络售票平台 V2.0" in page
    assert "委托检测书" in page
    assert "国家电影事业发展专项资金管理委员会办公室" in page


def test_the_token_verifies_offline_against_the_published_keys(
    qr_url: str, number: str, client: FlaskClient
) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    assert "max-age=300" in response.headers["Cache-Control"]

    claims = verify_token(token_of(qr_url), response.get_json())

    assert (claims.number, claims.cert_type) == (number, "testing_commission")
    assert claims.names_subject("云影网络售票平台 V2.0")  # the token carries its digest
    assert claims.issuer is None  # the page names the issuer; the token stays short
    assert claims.valid_until is None
    assert claims.kid == response.get_json()["keys"][0]["kid"]


def test_an_altered_token_is_not_authentic(qr_url: str, number: str, client: FlaskClient) -> None:
    token = token_of(qr_url)
    header, payload, signature = token.split(".")
    altered = ".".join(
        [
            header,
            payload,
            ("A" if signature[5] != "A" else "B").join([signature[:5], signature[6:]]),
        ]
    )

    status, page = follow(client, f"/verify/{number}?t={altered}")
    assert status == 200
    assert NOT_AUTHENTIC in page and AUTHENTIC not in page
    for bad in (altered, "not-a-token", token[:-3], "e30.e30.e30"):
        body = client.get(f"/api/v1/certificates/{number}", query_string={"t": bad}).get_json()
        assert body["token"] == {"authentic": False}, bad
    genuine = client.get(f"/api/v1/certificates/{number}", query_string={"t": token}).get_json()
    assert genuine["token"] == {"authentic": True}
    assert "token" not in client.get(f"/api/v1/certificates/{number}").get_json()
    status, page = follow(client, f"/verify/{number}")
    assert ABSENT in page


def test_a_token_of_another_certificate_is_not_authentic(
    app: Flask, vendor: User, number: str, qr_url: str, client: FlaskClient
) -> None:
    other = issue_certificate(app, vendor, "notice", **_notice())

    status, page = follow(client, f"/verify/{other}?t={token_of(qr_url)}")

    assert status == 200
    assert NOT_AUTHENTIC in page
    body = client.get(f"/api/v1/certificates/{other}", query_string={"t": token_of(qr_url)})
    assert body.get_json()["token"] == {"authentic": False}


def test_the_pdf_signature_validates_against_the_published_ca(
    pdf: bytes, client: FlaskClient
) -> None:
    ca = x509.load_pem_x509_certificate(client.get("/api/v1/ca.pem").data)

    status = verify_pdf(pdf, trust_roots=[ca])

    assert status.ok, status
    assert "文档签名" in (status.signer_subject or "")
    assert "Signature is Valid." in pdftools.pdfsig(pdf).stdout
    tampered = bytearray(pdf)
    at = len(pdf) // 3
    tampered[at] = (tampered[at] + 1) % 256
    broken = verify_pdf(bytes(tampered), trust_roots=[ca])
    assert not broken.intact
    assert not broken.ok


def test_after_revocation_page_and_json_say_revoked_with_the_reason(
    api: Api, factory: Factory, number: str, qr_url: str, client: FlaskClient
) -> None:
    national = api.as_user(factory.staff(Role.NATIONAL_REVIEWER))
    provincial = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    reason = {"reason": "申请材料与事实不符"}
    assert provincial.post(f"/api/v1/certificates/{number}/revoke", json=reason).status_code == 403

    response = national.post(f"/api/v1/certificates/{number}/revoke", json=reason)

    assert response.status_code == 200
    body = client.get(f"/api/v1/certificates/{number}").get_json()
    assert body["status"] == "revoked"
    assert body["revocation_reason"] == "申请材料与事实不符"
    assert body["revoked_at"].endswith("+08:00")
    _, page = follow(client, qr_url)
    assert "已撤销" in page and "申请材料与事实不符" in page
    today = datetime.now(CHINA).date()
    assert f"撤销日期： {today.year}年{today.month}月{today.day}日" in page
    # The token is still the portal's, but nothing on the page is green or ticked.
    assert AUTHENTIC not in page and NOT_AUTHENTIC not in page and "✓" not in page


def test_past_its_validity_a_certificate_is_expired(
    app: Flask, vendor: User, client: FlaskClient
) -> None:
    number = issue_certificate(app, vendor, "notice", **_notice(valid_until=date(2027, 12, 31)))

    with time_machine.travel(datetime(2027, 12, 31, 23, 59, tzinfo=CHINA), tick=False):
        assert client.get(f"/api/v1/certificates/{number}").get_json()["status"] == "valid"
    with time_machine.travel(datetime(2028, 1, 1, 0, 1, tzinfo=CHINA), tick=False):
        body = client.get(f"/api/v1/certificates/{number}").get_json()
        _, page = follow(client, f"/verify/{number}")
    assert body["status"] == "expired"
    assert body["valid_until"] == "2027-12-31"
    assert "已过期" in page and "有效期已于2027年12月31日届满。" in page


def test_a_replaced_certificate_is_superseded(
    app: Flask, vendor: User, number: str, client: FlaskClient
) -> None:
    with app.app_context():
        service = CertificateService(db.session, processes.platform.issuing)
        old = service.public(number)
        new = service.issue(
            "testing_commission",
            organization_id=vendor.organization_id,
            **commission_letter(subject="云影网络售票平台 V2.1"),
        )
        service.supersede(old, new)
        db.session.commit()
        replacement = new.number

    body = client.get(f"/api/v1/certificates/{number}").get_json()
    assert body["status"] == "superseded"
    assert body["superseded_by"] == replacement
    _, page = follow(client, f"/verify/{number}")
    assert "已被新证书替代" in page and replacement in page
    assert client.get(f"/api/v1/certificates/{replacement}").get_json()["status"] == "valid"


def test_public_views_need_no_sign_in_and_show_only_public_details(
    api: Api, vendor: User, number: str, client: FlaskClient
) -> None:
    body = client.get(f"/api/v1/certificates/{number}").get_json()
    assert set(body) == {
        "number", "type", "title", "status", "subject", "holder", "issuer", "issued_at",
        "valid_from", "valid_until", "details", "superseded_by", "superseded_at",
        "revoked_at", "revocation_reason",
    }  # fmt: skip
    assert body["holder"] == "vendor 有限公司"
    assert body["issued_at"].endswith("+08:00")
    response = client.get(f"/verify/{number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "vendor 有限公司" in page
    for private in ("13800138000", "certificates/WTJC", "联系人", "csrf_token", "PJBA-2026"):
        assert private not in page, private
        assert private not in str(body), private


def test_an_unknown_number_is_not_found(client: FlaskClient) -> None:
    response = client.get("/verify/BAZS2026000404?t=abc")
    assert response.status_code == 404
    assert "查无此证书" in text(response)
    assert "BAZS2026000404" in text(response)
    api = client.get("/api/v1/certificates/BAZS2026000404")
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "not_found"


@pytest.fixture
def limited_app(app_config: dict[str, object]) -> dict[str, object]:
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    return app_config


def test_public_endpoints_are_not_rate_limited(
    limited_app: dict[str, object], app: Flask, vendor: User, number: str
) -> None:
    client = app.test_client()
    for _ in range(5):
        for url in (
            f"/verify/{number}",
            f"/api/v1/certificates/{number}",
            "/.well-known/jwks.json",
            "/api/v1/ca.pem",
            "/api/v1/crl.pem",
        ):
            assert client.get(url).status_code == 200, url


def _notice(**overrides: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "title": "安装验收确认书",
        "subject": "长沙橘子洲国际影城",
        "details": {"cinema_code": "43010318"},
        "valid_until": date(2029, 12, 31),
        "context": {"fields": [("电影院编码", "43010318")]},
    }
    arguments.update(overrides)
    return arguments
