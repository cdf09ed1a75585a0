"""The certificate pages: revoking from the verification page, the applicant's
certificates and key bundle, the administrators' list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role
from tests.helpers import PASSWORD, Api, Factory
from tests.pages.conftest import People
from tests.pages.support import signed_in, text


@pytest.fixture
def csrf_enabled(app_config: dict[str, Any]) -> None:
    app_config.update(WTF_CSRF_ENABLED=True)


@pytest.fixture
def registration(api: Api, people: People) -> dict[str, Any]:
    """The cinema's registration, approved by Hunan: it holds a digital certificate."""
    submitted = api.as_user(people.cinema).submitted_cinema_application()
    approved = api.as_user(people.hunan).decide(submitted["id"], "approve")
    return dict(approved.get_json())


@pytest.fixture
def number(registration: dict[str, Any]) -> str:
    return str(registration["result"]["digital_certificate_number"])


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def signed_in_with_csrf(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(form)},
    )
    assert response.status_code == 302
    return client


def test_reviewers_of_the_province_revoke_from_the_verification_page(
    csrf_enabled: None, app: Flask, number: str, people: People
) -> None:
    hunan = signed_in_with_csrf(app, "hunan")
    page = hunan.get(f"/verify/{number}").get_data(as_text=True)
    assert "撤销此证书" in page
    url = f"/verify/{number}/revoke"

    assert hunan.post(url, data={"reason": "停业"}).status_code == 400  # no CSRF token
    empty = hunan.post(url, data={"reason": " ", "confirm": "yes", "csrf_token": csrf_token(page)})
    assert empty.status_code == 302
    assert "请填写撤销原因。" in text(hunan.get(empty.headers["Location"]))

    response = hunan.post(
        url,
        data={
            "reason": "影院停业",
            "confirm": "yes",
            "csrf_token": csrf_token(page),
            "t": "abc.def",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{number}?t=abc.def"
    after = text(hunan.get(response.headers["Location"]))
    assert "证书已撤销。" in after
    assert "已撤销" in after and "影院停业" in after
    assert "撤销此证书" not in after
    assert "已撤销" in text(app.test_client().get(f"/verify/{number}"))


@pytest.mark.parametrize("who", ["anonymous", "guangdong", "cinema", "national"])
def test_others_see_no_revocation_form_and_cannot_revoke(
    app: Flask, number: str, people: People, who: str
) -> None:
    client = app.test_client() if who == "anonymous" else signed_in(app, who)
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    assert "撤销此证书" not in text(page)
    response = client.post(f"/verify/{number}/revoke", data={"reason": "停业"})
    expected = {"anonymous": 302, "guangdong": 403, "cinema": 403, "national": 403}[who]
    assert response.status_code == expected
    assert "有效" in text(app.test_client().get(f"/verify/{number}"))


def test_the_applicant_sees_its_certificate_and_downloads_the_key_bundle(
    app: Flask, registration: dict[str, Any], number: str
) -> None:
    cinema = signed_in(app, "cinema")
    url = f"/applicant/applications/{registration['id']}"
    page = cinema.get(url)
    assert number in text(page) and "有效" in text(page)
    body = page.get_data(as_text=True)
    assert f'href="/verify/{number}"' in body
    assert f'href="/api/v1/certificates/{number}/pem"' in body
    bundle = f"/applicant/certificates/{number}/bundle"

    short = cinema.post(bundle, data={"password": "short", "next": url})
    assert short.status_code == 302 and short.headers["Location"] == url
    assert "请设置至少 8 个字符的密码。" in text(cinema.get(url))
    response = cinema.post(bundle, data={"password": "Key-File-2026", "next": url})

    assert response.status_code == 200
    assert response.mimetype == "application/x-pkcs12"
    key, certificate, _ = pkcs12.load_key_and_certificates(response.data, b"Key-File-2026")
    assert key is not None and certificate is not None


def test_another_organisation_gets_no_bundle(app: Flask, factory: Factory, number: str) -> None:
    factory.applicant(username="stranger")
    response = signed_in(app, "stranger").post(
        f"/applicant/certificates/{number}/bundle", data={"password": "Key-File-2026"}
    )
    assert response.status_code == 404


def test_administrators_list_the_certificates(
    app: Flask, factory: Factory, number: str, client: FlaskClient
) -> None:
    factory.staff(Role.ADMIN, username="root")
    admin = signed_in(app, "root")
    page = admin.get("/admin/certificates")
    assert page.status_code == 200
    assert number in text(page) and "数字证书（UsbKey）" in text(page) and "有效" in text(page)
    assert "撤销此证书" in text(admin.get(f"/verify/{number}"))
    assert signed_in(app, "hunan").get("/admin/certificates").status_code == 403


def test_the_verification_page_reads_in_english_too(app: Flask, number: str) -> None:
    client = app.test_client()
    client.get("/lang/en")
    page = text(client.get(f"/verify/{number}"))
    assert "Valid" in page
    assert "No QR code signature is attached" in page
