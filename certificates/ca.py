"""The "UsbKey" digital certificates (UsbKey 硬件数字证书, 000 §一(一)5, §二(一)2).

Cinemas and online ticket agents hold an X.509 client certificate issued by
the portal's root CA (:class:`certificates.keys.KeyStore`). Disabling one
(停用, 000 §二(三)) revokes it: the portal lists it in the CRL published at
``GET /api/v1/crl.pem``. Reissuing is a new certificate with a new serial.

Subjects read ``CN=<holder>, O=<organisation>, serialNumber=<USCC>, C=CN``;
the certificates allow digital signatures and TLS client authentication only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError

CLIENT_KEY_SIZE = 2048
PKCS12_KDF_ROUNDS = 100_000
_BACKDATE = timedelta(minutes=5)  # tolerate clocks a little behind ours
_MAX_SERIAL = 2**159  # RFC 5280: at most 20 octets, positive


@dataclass(frozen=True)
class IssuedCertificate:
    """A client certificate just issued, with its private key when the portal generated it."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | None
    serial: int
    not_before: datetime
    not_after: datetime
    fingerprint: str
    """SHA-256 of the DER certificate, lowercase hex without separators."""


def issue_client_certificate(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    *,
    subject_cn: str,
    organization: str,
    uscc: str,
    serial: int | None,
    valid_days: int,
    public_key: CertificatePublicKeyTypes | None = None,
    crl_url: str | None = None,
) -> IssuedCertificate:
    """Issue a client certificate for a cinema or an online ticket agent.

    With no ``public_key``, an RSA 2048 key pair is generated and returned in
    :attr:`IssuedCertificate.private_key` (hand it out once, in a PKCS#12
    bundle, and do not keep it); with one (from the holder's hardware key),
    ``private_key`` is None. ``serial`` None draws a random 159-bit serial;
    the caller must record it, since revocation is by serial. ``crl_url``,
    when given, is written as the CRL distribution point.

    :raise ValueError: ``uscc`` is not a valid unified social credit code,
        ``serial`` is not in 1..2**159-1, ``valid_days`` is not positive or
        the certificate would outlive the CA, or ``subject_cn`` or
        ``organization`` is blank.
    """
    try:
        uscc = uscc_number.validate(uscc)
    except ValidationError as error:
        raise ValueError(f"invalid unified social credit code {uscc!r}") from error
    if not subject_cn.strip() or not organization.strip():
        raise ValueError("a client certificate needs a holder name and an organisation")
    if serial is None:
        serial = x509.random_serial_number()
    elif not 0 < serial < _MAX_SERIAL:
        raise ValueError("a certificate serial must be between 1 and 2**159 - 1")
    if valid_days <= 0:
        raise ValueError("valid_days must be positive")
    now = datetime.now(UTC)
    not_before = (now - _BACKDATE).replace(microsecond=0)
    not_after = (now + timedelta(days=valid_days)).replace(microsecond=0)
    if not_after > ca_cert.not_valid_after_utc:
        raise ValueError("the certificate would outlive the CA")
    private_key = None
    if public_key is None:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=CLIENT_KEY_SIZE)
        public_key = private_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, subject_cn),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc),
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    certificate = builder.sign(ca_key, hashes.SHA256())
    return IssuedCertificate(
        certificate=certificate,
        private_key=private_key,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
    )


def pkcs12_bundle(
    issued: IssuedCertificate,
    password: bytes,
    friendly_name: str,
    *,
    ca_certificate: x509.Certificate | None = None,
) -> bytes:
    """The certificate and its private key as a password-protected PKCS#12 (.p12) file.

    Encrypted with PBES2 (PBKDF2-SHA256, AES-256-CBC) and a SHA-256 MAC, which
    current Windows, macOS and OpenSSL 3 read. ``ca_certificate``, if given, is
    included so the holder's software can build the chain.

    :raise ValueError: ``issued`` has no private key (the holder generated it),
        or ``password`` is empty.
    """
    if issued.private_key is None:
        raise ValueError("the portal does not hold this certificate's private key")
    if not password:
        raise ValueError("a PKCS#12 bundle needs a password")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"),
        issued.private_key,
        issued.certificate,
        [ca_certificate] if ca_certificate is not None else None,
        encryption,
    )


def build_crl(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    revoked: Iterable[tuple[int, datetime, x509.ReasonFlags | None]],
    *,
    next_update_days: int = 7,
    crl_number: int,
    issued_at: datetime | None = None,
) -> x509.CertificateRevocationList:
    """Sign a CRL listing ``revoked`` as ``(serial, revoked_at, reason)``.

    ``crl_number`` must grow with each CRL the portal publishes (RFC 5280
    §5.2.3). ``issued_at`` (default: now) is its thisUpdate; passing it makes
    the CRL reproducible, so several machines can build the same one.
    ``reason`` None or ``unspecified`` adds no reason code, as RFC 5280 asks.
    Publish a new CRL before ``next_update_days`` have passed, or relying
    parties treat it as stale.

    :raise ValueError: a ``revoked_at`` is naive, ``crl_number`` is negative,
        or ``next_update_days`` is not positive.
    """
    if crl_number < 0:
        raise ValueError("crl_number must not be negative")
    if next_update_days <= 0:
        raise ValueError("next_update_days must be positive")
    now = (issued_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
    )
    for serial, revoked_at, reason in revoked:
        if revoked_at.tzinfo is None:
            raise ValueError("revocation times must be timezone-aware")
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at.astimezone(UTC))
        )
        if reason is not None and reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca_key, hashes.SHA256())


def pem(certificate: x509.Certificate) -> str:
    """The certificate in PEM, as served at ``/api/v1/certificates/{number}/pem``."""
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def crl_pem(crl: x509.CertificateRevocationList) -> str:
    """The CRL in PEM, as served at ``/api/v1/crl.pem``."""
    return crl.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(_rsa_public(ca_cert))
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _rsa_public(ca_cert: x509.Certificate) -> rsa.RSAPublicKey:
    public = ca_cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("the CA certificate must hold an RSA key")
    return public
