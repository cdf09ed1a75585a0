"""A cinema's digital certificate ("UsbKey"), from its registration to its revocation,
checked from outside with OpenSSL as a relying party would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from portal.accounts.models import Role
from tests.helpers import Api, Factory, openssl

BUNDLE_PASSWORD = "UsbKey-密码-2026"


@pytest.fixture
def registered(cinema: Api, hunan: Api) -> dict[str, Any]:
    """A cinema registration approved by Hunan: the application as its cinema sees it."""
    submitted = cinema.submitted_cinema_application()
    response = hunan.decide(submitted["id"], "approve")
    assert response.status_code == 200, response.get_json()
    return dict(cinema.get(f"/api/v1/applications/{submitted['id']}").get_json())


@pytest.fixture
def number(registered: dict[str, Any]) -> str:
    return str(registered["result"]["digital_certificate_number"])


def test_approval_issues_the_cinemas_digital_certificate(
    registered: dict[str, Any], number: str, api: Api
) -> None:
    assert re.fullmatch(r"SZZS20\d\d000001", number), number
    assert registered["certificates"] == [
        {"number": number, "type": "digital_certificate", "status": "valid"}
    ]
    public = api.client.get(f"/api/v1/certificates/{number}").get_json()
    assert public["type"] == "digital_certificate"
    assert public["status"] == "valid"
    assert public["subject"] == "星光影城 43000001"
    assert public["details"]["cinema_code"] == "43000001"
    assert public["x509"]["serial"] == public["details"]["serial"]


def test_the_certificate_verifies_against_the_ca(
    registered: dict[str, Any], number: str, api: Api
) -> None:
    pem = api.client.get(f"/api/v1/certificates/{number}/pem")
    ca = api.client.get("/api/v1/ca.pem")
    assert pem.status_code == 200 and ca.status_code == 200
    assert pem.mimetype == ca.mimetype == "application/x-pem-file"

    result = openssl("verify", "-CAfile", "{ca}", "{cert}", ca=ca.data, cert=pem.data)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")
    certificate = x509.load_pem_x509_certificate(pem.data)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "星光影城 43000001"
    uscc = registered["organization"]["uscc"]
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == uscc
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == "https://portal.test/api/v1/crl.pem"
    assert (
        f"{certificate.serial_number:x}"
        == api.client.get(f"/api/v1/certificates/{number}").get_json()["x509"]["serial"]
    )


def test_revocation_rights_and_the_crl(
    number: str, api: Api, cinema: Api, hunan: Api, beijing: Api
) -> None:
    url = f"/api/v1/certificates/{number}/revoke"
    reason = {"reason": "影院停业，停用数字证书"}

    assert beijing.post(url, json=reason).status_code == 403
    assert cinema.post(url, json=reason).status_code == 403
    assert api.client.post(url, json=reason).status_code == 401
    assert hunan.post("/api/v1/certificates/SZZS2026999999/revoke", json=reason).status_code == 404
    empty = hunan.post(url, json={"reason": "  "})
    assert empty.status_code == 422
    assert "reason" in empty.get_json()["errors"]

    revoked = hunan.post(url, json=reason)
    assert revoked.status_code == 200, revoked.get_json()
    assert revoked.get_json()["status"] == "revoked"
    assert revoked.get_json()["revocation_reason"] == "影院停业，停用数字证书"
    again = hunan.post(url, json=reason)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"

    pem = api.client.get(f"/api/v1/certificates/{number}/pem").data
    ca = api.client.get("/api/v1/ca.pem").data
    crl = api.client.get("/api/v1/crl.pem")
    assert crl.status_code == 200
    checked = openssl(
        "verify",
        "-crl_check",
        "-CAfile",
        "{ca}",
        "-CRLfile",
        "{crl}",
        "{cert}",
        ca=ca,
        crl=crl.data,
        cert=pem,
    )
    assert checked.returncode != 0
    assert "certificate revoked" in checked.stdout + checked.stderr


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)


def test_the_crl_is_the_same_until_something_changes_then_its_number_grows(
    api: Api, number: str, factory: Factory
) -> None:
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    ca = x509.load_pem_x509_certificate(api.client.get("/api/v1/ca.pem").data)
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=UTC), tick=False):
        first = api.client.get("/api/v1/crl.pem").data
        assert api.client.get("/api/v1/crl.pem").data == first  # reproducible: no write
    empty = x509.load_pem_x509_crl(first)
    assert len(empty) == 0
    assert empty.is_signature_valid(ca.public_key())

    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=UTC), tick=False):
        hunan = api.as_user(reviewer)  # signed in at this moment: tokens last 12 hours
        revoking = hunan.post(f"/api/v1/certificates/{number}/revoke", json={"reason": "停业"})
        assert revoking.status_code == 200
        revoked = x509.load_pem_x509_crl(api.client.get("/api/v1/crl.pem").data)
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        next_day = x509.load_pem_x509_crl(api.client.get("/api/v1/crl.pem").data)
    assert len(revoked) == len(next_day) == 1
    assert crl_number(empty) < crl_number(revoked) < crl_number(next_day)
    assert revoked.last_update_utc == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert next_day.last_update_utc == datetime(2026, 12, 2, tzinfo=UTC)


def test_the_holder_downloads_its_key_bundle(
    number: str, cinema: Api, other_cinema: Api, hunan: Api, api: Api
) -> None:
    url = f"/api/v1/certificates/{number}/bundle"

    for password in ("short", "", None, 12345678):
        refused = cinema.post(url, json={"password": password})
        assert refused.status_code == 422, password
        assert "password" in refused.get_json()["errors"]
    assert other_cinema.post(url, json={"password": BUNDLE_PASSWORD}).status_code == 404
    assert hunan.post(url, json={"password": BUNDLE_PASSWORD}).status_code == 404
    assert api.client.post(url, json={"password": BUNDLE_PASSWORD}).status_code == 401

    response = cinema.post(url, json={"password": BUNDLE_PASSWORD})

    assert response.status_code == 200
    assert response.mimetype == "application/x-pkcs12"
    assert f'filename="{number}.p12"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    key, certificate, extra = pkcs12.load_key_and_certificates(
        response.data, BUNDLE_PASSWORD.encode()
    )
    pem = api.client.get(f"/api/v1/certificates/{number}/pem").data
    assert certificate == x509.load_pem_x509_certificate(pem)
    assert key is not None and key.public_key() == certificate.public_key()
    ca = x509.load_pem_x509_certificate(api.client.get("/api/v1/ca.pem").data)
    assert extra == [ca]
    opened = openssl(
        "pkcs12", "-in", "{p12}", "-passin", f"pass:{BUNDLE_PASSWORD}", "-noout", p12=response.data
    )
    assert opened.returncode == 0, opened.stderr
    wrong = openssl(
        "pkcs12", "-in", "{p12}", "-passin", "pass:wrong-password", "-noout", p12=response.data
    )
    assert wrong.returncode != 0
    history = cinema.get(
        f"/api/v1/applications/{cinema.get('/api/v1/applications').get_json()['items'][0]['id']}"
    ).get_json()["history"]
    assert [h["action"] for h in history][-1] == "digital_certificate_downloaded"


def test_a_revoked_certificate_has_no_bundle(number: str, cinema: Api, hunan: Api) -> None:
    hunan.post(f"/api/v1/certificates/{number}/revoke", json={"reason": "停业"})
    response = cinema.post(
        f"/api/v1/certificates/{number}/bundle", json={"password": BUNDLE_PASSWORD}
    )
    assert response.status_code == 409


def test_the_private_key_is_stored_encrypted(app: Any, number: str) -> None:
    stored = [p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()]
    keys = [p for p in stored if "keys" in p.parts]
    assert len(keys) == 1
    assert keys[0].read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert not any(b"BEGIN PRIVATE KEY" in p.read_bytes() for p in stored)


def test_pem_is_only_for_digital_certificates(api: Api) -> None:
    assert api.client.get("/api/v1/certificates/SZZS2026000009/pem").status_code == 404
    assert api.client.get("/api/v1/certificates/nonsense/pem").get_json()["error"]["code"] == (
        "not_found"
    )
