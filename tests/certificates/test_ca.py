"""UsbKey client certificates and the CRL, checked with the openssl command line."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certificates import (
    IssuedCertificate,
    KeyStore,
    build_crl,
    crl_pem,
    issue_client_certificate,
    pem,
    pkcs12_bundle,
)
from tests.certificates.conftest import USCC

CINEMA = "长沙橘子洲国际影城"


def _issue(store: KeyStore, **overrides: object) -> IssuedCertificate:
    arguments: dict[str, object] = {
        "subject_cn": f"{CINEMA} 43010318",
        "organization": CINEMA,
        "uscc": USCC,
        "serial": None,
        "valid_days": 365,
    }
    arguments.update(overrides)
    return issue_client_certificate(
        store.ca_key(),
        store.ca_certificate(),
        **arguments,  # type: ignore[arg-type]
    )


def _openssl_verify(tmp_path: Path, store: KeyStore, client: IssuedCertificate, *crl: str):  # type: ignore[no-untyped-def]
    ca_path = tmp_path / "ca.pem"
    ca_path.write_text(pem(store.ca_certificate()))
    client_path = tmp_path / f"client-{client.serial}.pem"
    client_path.write_text(pem(client.certificate))
    options = []
    if crl:
        crl_path = tmp_path / "crl.pem"
        crl_path.write_text(crl[0])
        options = ["-crl_check", "-CRLfile", str(crl_path)]
    return subprocess.run(
        ["openssl", "verify", *options, "-CAfile", str(ca_path), str(client_path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def client(key_store: KeyStore) -> IssuedCertificate:
    return _issue(key_store, serial=0x2026112201)


def test_subject_and_extensions(key_store: KeyStore, client: IssuedCertificate) -> None:
    cert = client.certificate
    subject = cert.subject

    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"{CINEMA} 43010318"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == CINEMA
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == USCC
    assert cert.issuer == key_store.ca_certificate().subject
    assert cert.serial_number == client.serial == 0x2026112201
    cert.verify_directly_issued_by(key_store.ca_certificate())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert client.fingerprint == cert.fingerprint(hashes.SHA256()).hex()
    assert client.not_before == cert.not_valid_before_utc
    assert client.not_after == cert.not_valid_after_utc
    assert client.not_after - client.not_before == timedelta(days=365, minutes=5)


def test_generated_key_is_rsa_2048(client: IssuedCertificate) -> None:
    assert isinstance(client.private_key, rsa.RSAPrivateKey)
    assert client.private_key.key_size == 2048
    assert client.private_key.public_key() == client.certificate.public_key()


def test_holders_own_public_key(key_store: KeyStore) -> None:
    holder = ec.generate_private_key(ec.SECP256R1())

    issued = _issue(key_store, public_key=holder.public_key())

    assert issued.private_key is None
    assert issued.certificate.public_key() == holder.public_key()
    with pytest.raises(ValueError, match="private key"):
        pkcs12_bundle(issued, b"password", "影城")


def test_random_serials_differ(key_store: KeyStore) -> None:
    serials = {_issue(key_store, public_key=rsa_public()).serial for _ in range(3)}

    assert len(serials) == 3
    assert all(0 < serial < 2**159 for serial in serials)


def rsa_public() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


@pytest.mark.parametrize(
    "overrides",
    [
        {"uscc": "91430100MA4L0ABC1X"},  # wrong check digit
        {"uscc": "not a uscc"},
        {"serial": 0},
        {"serial": 2**159},
        {"valid_days": 0},
        {"valid_days": 365 * 30},  # would outlive the CA
        {"subject_cn": " "},
    ],
)
def test_bad_arguments(key_store: KeyStore, overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _issue(key_store, public_key=rsa_public(), **overrides)


def test_crl_distribution_point(key_store: KeyStore) -> None:
    issued = _issue(
        key_store, public_key=rsa_public(), crl_url="https://portal.test/api/v1/crl.pem"
    )

    points = issued.certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert points.value[0].full_name == [
        x509.UniformResourceIdentifier("https://portal.test/api/v1/crl.pem")
    ]


def test_openssl_verifies_against_the_ca(
    tmp_path: Path, key_store: KeyStore, client: IssuedCertificate
) -> None:
    result = _openssl_verify(tmp_path, key_store, client)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_openssl_refuses_a_foreign_ca(
    tmp_path: Path, fresh_store: KeyStore, client: IssuedCertificate
) -> None:
    fresh_store.ensure()

    result = _openssl_verify(tmp_path, fresh_store, client)

    assert result.returncode != 0


def test_revoked_certificate_fails_crl_check(
    tmp_path: Path, key_store: KeyStore, client: IssuedCertificate
) -> None:
    other = _issue(key_store)
    revoked_at = datetime.now(UTC) - timedelta(hours=1)
    crl = build_crl(
        key_store.ca_key(),
        key_store.ca_certificate(),
        [(client.serial, revoked_at, x509.ReasonFlags.cessation_of_operation)],
        crl_number=7,
    )
    text = crl_pem(crl)

    revoked = _openssl_verify(tmp_path, key_store, client, text)
    valid = _openssl_verify(tmp_path, key_store, other, text)

    assert revoked.returncode != 0
    assert "certificate revoked" in revoked.stdout + revoked.stderr
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert valid.stdout.strip().endswith(": OK")


def test_crl_contents(key_store: KeyStore) -> None:
    revoked_at = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    crl = build_crl(
        key_store.ca_key(),
        key_store.ca_certificate(),
        [(101, revoked_at, x509.ReasonFlags.key_compromise), (102, revoked_at, None)],
        crl_number=3,
        next_update_days=2,
    )

    parsed = x509.load_pem_x509_crl(crl_pem(crl).encode())
    assert parsed.is_signature_valid(key_store.ca_certificate().public_key())  # type: ignore[arg-type]
    assert parsed.issuer == key_store.ca_certificate().subject
    assert parsed.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 3
    assert parsed.next_update_utc is not None
    assert parsed.next_update_utc - parsed.last_update_utc == timedelta(days=2)
    first = parsed.get_revoked_certificate_by_serial_number(101)
    second = parsed.get_revoked_certificate_by_serial_number(102)
    assert first is not None
    assert second is not None
    assert first.revocation_date_utc == revoked_at
    assert first.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    assert len(second.extensions) == 0
    assert parsed.get_revoked_certificate_by_serial_number(103) is None


def test_crl_needs_aware_times(key_store: KeyStore) -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_crl(
            key_store.ca_key(),
            key_store.ca_certificate(),
            [(1, datetime(2026, 11, 20), None)],
            crl_number=1,
        )


def test_pkcs12_opens_only_with_the_password(
    key_store: KeyStore, client: IssuedCertificate
) -> None:
    bundle = pkcs12_bundle(
        client, b"s3cret-PIN", "长沙橘子洲国际影城", ca_certificate=key_store.ca_certificate()
    )

    key, certificate, extra = pkcs12.load_key_and_certificates(bundle, b"s3cret-PIN")
    assert certificate == client.certificate
    assert key is not None
    assert key.public_key() == client.certificate.public_key()
    assert extra == [key_store.ca_certificate()]
    loaded = pkcs12.load_pkcs12(bundle, b"s3cret-PIN")
    assert loaded.cert is not None
    assert loaded.cert.friendly_name == "长沙橘子洲国际影城".encode()
    for wrong in (None, b"", b"wrong"):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(bundle, wrong)


def test_openssl_reads_the_pkcs12(tmp_path: Path, client: IssuedCertificate) -> None:
    path = tmp_path / "client.p12"
    path.write_bytes(pkcs12_bundle(client, b"s3cret-PIN", "影城"))

    def openssl(password: str) -> subprocess.CompletedProcess[bytes]:
        # Bytes: openssl prints a BMPString friendlyName by its low bytes, not as UTF-8.
        command = ["openssl", "pkcs12", "-in", str(path), "-nokeys", "-passin", password]
        return subprocess.run(command, capture_output=True, check=False)

    opened = openssl("pass:s3cret-PIN")
    refused = openssl("pass:wrong")

    assert opened.returncode == 0, opened.stderr
    assert pem(client.certificate).strip().encode() in opened.stdout
    assert refused.returncode != 0


def test_pkcs12_needs_a_password(client: IssuedCertificate) -> None:
    with pytest.raises(ValueError, match="password"):
        pkcs12_bundle(client, b"", "影城")


def test_pem_round_trip(client: IssuedCertificate) -> None:
    text = pem(client.certificate)

    assert text.startswith("-----BEGIN CERTIFICATE-----\n")
    assert x509.load_pem_x509_certificate(text.encode()) == client.certificate
