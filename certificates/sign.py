"""Digital signatures on certificate PDFs: PAdES baseline (B-B) with pyHanko.

The portal signs each rendered certificate with the key store's document-signing
key; anyone holding the portal's root CA certificate (``GET /api/v1/ca.pem``)
can check a PDF offline with :func:`verify_pdf`, Adobe Reader or ``pdfsig``.
Readers that use their own trust store (``pdfsig`` uses NSS's) report the
signature itself as valid and the certificate as of an unknown issuer until the
portal's CA is imported.

pyHanko's synchronous API runs an event loop of its own (``asyncio.run``), so
these functions must not be called from inside a running event loop.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

FIELD_NAME = "PortalSignature"


@dataclass(frozen=True)
class PdfSignatureStatus:
    """What :func:`verify_pdf` found about a PDF's (last) signature.

    ``intact``: the signed bytes hash to the signed digest. ``valid``: the
    signature over that digest checks out with the signer's certificate.
    ``trusted``: that certificate chains to one of the trust roots and was
    usable for signing. ``whole_document``: nothing was appended after the
    signature. All are False when ``signed`` is False.
    """

    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_document: bool = False
    signer_subject: str | None = None
    signing_time: datetime | None = None
    field_name: str | None = None
    problem: str | None = None
    """Why the PDF could not be checked (unreadable, no signature), else None."""

    @property
    def ok(self) -> bool:
        """Signed, intact, valid, trusted, and covering the whole document."""
        return self.signed and self.intact and self.valid and self.trusted and self.whole_document


def sign_pdf(
    pdf: bytes,
    *,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    chain: Iterable[x509.Certificate],
    reason: str,
    location: str,
    signer_name: str,
) -> bytes:
    """Return ``pdf`` with an invisible PAdES baseline signature in field ``PortalSignature``.

    The signature is added as an incremental update (the original bytes are
    kept), SHA-256, subfilter ``ETSI.CAdES.detached``, with ``certificate`` and
    ``chain`` (intermediates and the root) embedded so verifiers can build the
    path. No timestamp authority is used: the signing time is the one the
    portal reports.

    :raise ValueError: ``key`` does not belong to ``certificate``.
    :raise pyhanko.pdf_utils.misc.PdfError: ``pdf`` cannot be read, or
        already has a field of that name.
    """
    if key.public_key().public_numbers() != _rsa_public(certificate).public_numbers():
        raise ValueError("the signing key does not match the certificate")
    chain = list(chain)
    signer = _RsaSigner(
        key,
        signing_cert=_asn1_certificate(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_certificate(cert) for cert in chain]
        ),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    output = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
    return output.getvalue()


def verify_pdf(pdf: bytes, *, trust_roots: Iterable[x509.Certificate]) -> PdfSignatureStatus:
    """Check the last signature of ``pdf`` against ``trust_roots``; never raises for bad input.

    An unsigned PDF, or bytes that are not a PDF, give ``signed=False`` with a
    ``problem``; a damaged signed PDF gives ``intact=False`` or ``signed=False``.
    Revocation is not checked (the signing certificates carry no CRL or OCSP
    address), and nothing is fetched from the network.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # any parse failure means "cannot check"
        return PdfSignatureStatus(signed=False, problem=f"unreadable PDF: {error}")
    if not signatures:
        return PdfSignatureStatus(signed=False, problem="no signature")
    embedded = signatures[-1]
    context = ValidationContext(
        trust_roots=[_asn1_certificate(root) for root in trust_roots],
        allow_fetching=False,
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as error:  # a mangled signature is a failed check
        return PdfSignatureStatus(
            signed=True, field_name=embedded.field_name, problem=f"cannot validate: {error}"
        )
    return PdfSignatureStatus(
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_subject=x509.load_der_x509_certificate(
            status.signing_cert.dump()
        ).subject.rfc4514_string(),
        signing_time=_signing_time(embedded, status.signer_reported_dt),
        field_name=embedded.field_name,
    )


class _RsaSigner(signers.SimpleSigner):
    """A SimpleSigner that signs with the key object it was given.

    pyHanko's own re-parses the DER key for every raw signature, and OpenSSL 3
    checks an RSA 3072 key on each parse: about 90 ms, twice per PDF.
    """

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def _signing_time(embedded: EmbeddedPdfSignature, reported: datetime | None) -> datetime | None:
    # PAdES keeps the signing time out of the CMS attributes, in the signature's /M.
    if reported is not None:
        return reported
    return embedded.self_reported_timestamp


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _rsa_public(certificate: x509.Certificate) -> rsa.RSAPublicKey:
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("the signing certificate must hold an RSA key")
    return public
