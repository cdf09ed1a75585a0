"""Signed certificates: PAdES signatures that pyHanko and poppler accept, and any change breaks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from certificates import KeyStore, sign_pdf, verify_pdf
from tests.certificates import pdftools
from tests.certificates.conftest import PASSPHRASE, sign_with


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    start, first, second, length = (int(group) for group in match.groups())
    return start, first, second, length


def _flip(pdf: bytes, position: int) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def _in_a_content_stream(pdf: bytes) -> int:
    """A byte inside the first compressed stream: the page still parses, the hash does not."""
    return pdf.index(b"stream", 1000) + 300


def _in_the_signing_time(pdf: bytes) -> int:
    """A digit of /M in the signature dictionary, which lies after /Contents."""
    return pdf.index(b"/M (D") + len(b"/M (D\\072") + 3


def test_signed_pdf_validates(key_store: KeyStore, signed_pdf: bytes) -> None:
    status = verify_pdf(signed_pdf, trust_roots=[key_store.ca_certificate()])

    assert status.signed
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.whole_document
    assert status.ok
    assert status.field_name == "PortalSignature"
    assert status.signer_subject is not None
    assert "CN=电影和文化审批服务平台 文档签名" in status.signer_subject
    assert status.signing_time is not None
    assert abs(status.signing_time - datetime.now(UTC)) < timedelta(hours=1)
    assert status.problem is None


def test_signature_is_pades_over_the_whole_file(signed_pdf: bytes) -> None:
    start, _, second, length = _byte_range(signed_pdf)

    assert start == 0
    assert second + length == len(signed_pdf)
    assert b"/SubFilter /ETSI.CAdES.detached" in signed_pdf


def test_pdfsig_says_valid(signed_pdf: bytes) -> None:
    result = pdftools.pdfsig(signed_pdf)

    assert result.returncode == 0, result.stderr
    assert "Signature Field Name: PortalSignature" in result.stdout
    assert "Signature Type: ETSI.CAdES.detached" in result.stdout
    assert "Signing Hash Algorithm: SHA-256" in result.stdout
    assert "Total document signed" in result.stdout
    assert "Signature Validation: Signature is Valid." in result.stdout
    # pdfsig trusts NSS's store, which does not hold the portal's CA.
    assert "Certificate Validation: Certificate issuer isn't Trusted." in result.stdout


def test_the_original_is_unchanged(rendered: Callable[[str], bytes], signed_pdf: bytes) -> None:
    """An incremental update: the unsigned bytes come first, untouched."""
    original = rendered("software_filing")

    assert signed_pdf.startswith(original)
    assert pdftools.squashed_text(signed_pdf) == pdftools.squashed_text(original)


def test_untrusted_root(signed_pdf: bytes, fresh_store: KeyStore) -> None:
    fresh_store.ensure()  # another portal's CA

    status = verify_pdf(signed_pdf, trust_roots=[fresh_store.ca_certificate()])

    assert status.intact
    assert status.valid
    assert not status.trusted
    assert not status.ok


@pytest.mark.parametrize("where", [_in_a_content_stream, _in_the_signing_time])
def test_one_changed_byte_breaks_it(
    key_store: KeyStore, signed_pdf: bytes, where: Callable[[bytes], int]
) -> None:
    position = where(signed_pdf)
    start, first, second, length = _byte_range(signed_pdf)
    assert start <= position < first or second <= position < second + length

    tampered = _flip(signed_pdf, position)

    status = verify_pdf(tampered, trust_roots=[key_store.ca_certificate()])
    assert status.signed
    assert not status.intact
    assert not status.ok
    result = pdftools.pdfsig(tampered)
    assert "Signature Validation: Digest Mismatch." in result.stdout
    assert "Signature is Valid" not in result.stdout


def test_anything_appended_is_reported(key_store: KeyStore, signed_pdf: bytes) -> None:
    status = verify_pdf(signed_pdf + b"\n% added later\n", trust_roots=[key_store.ca_certificate()])

    assert status.intact
    assert not status.whole_document
    assert not status.ok


@pytest.mark.slow
def test_pdf_signed_before_rotation_still_validates(
    fresh_store: KeyStore, rendered: Callable[[str], bytes]
) -> None:
    fresh_store.ensure()
    before = sign_with(fresh_store, rendered("notice"))
    old_certificate = fresh_store.signing_certificate()

    fresh_store.rotate_signing_key()
    after = sign_with(fresh_store, rendered("notice"))

    roots = [fresh_store.ca_certificate()]
    assert fresh_store.signing_certificate() != old_certificate
    assert verify_pdf(before, trust_roots=roots).ok
    assert verify_pdf(after, trust_roots=roots).ok
    assert "Signature is Valid." in pdftools.pdfsig(before).stdout


def test_unsigned_pdf(key_store: KeyStore, rendered: Callable[[str], bytes]) -> None:
    status = verify_pdf(rendered("notice"), trust_roots=[key_store.ca_certificate()])

    assert not status.signed
    assert not status.ok
    assert status.problem == "no signature"


@pytest.mark.parametrize("data", [b"", b"not a pdf", b"%PDF-1.7\n%%EOF\n"])
def test_garbage_is_reported_not_raised(key_store: KeyStore, data: bytes) -> None:
    status = verify_pdf(data, trust_roots=[key_store.ca_certificate()])

    assert not status.signed
    assert status.problem


def test_truncated_signed_pdf(key_store: KeyStore, signed_pdf: bytes) -> None:
    status = verify_pdf(signed_pdf[:-800], trust_roots=[key_store.ca_certificate()])

    assert not status.ok


def test_key_must_match_certificate(key_store: KeyStore, rendered: Callable[[str], bytes]) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(ValueError, match="does not match"):
        sign_pdf(
            rendered("notice"),
            key=other_key,
            certificate=key_store.signing_certificate(),
            chain=[key_store.ca_certificate()],
            reason="测试",
            location="北京",
            signer_name="平台",
        )


def test_signed_file_validates_from_disk(
    key_store: KeyStore, signed_pdf: bytes, tmp_path: Path
) -> None:
    """What an operator does: the CA PEM from the key folder, the PDF from a download."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed_pdf)
    store = KeyStore(key_store.directory, PASSPHRASE)

    assert verify_pdf(path.read_bytes(), trust_roots=[store.ca_certificate()]).ok
