"""The QR code on a certificate: a phone reads back exactly the URL, whose token verifies."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from certificates import KeyStore, qr_png_data_uri, qr_svg, render_pdf, verify_token
from tests.certificates import pdftools
from tests.certificates.conftest import (
    BASE_URL,
    LAYOUTS,
    NUMBER,
    PRODUCT,
    VENDOR,
    contexts,
    verify_url,
)


@pytest.mark.slow
@pytest.mark.parametrize("cert_type", ["software_filing", "testing_commission", "notice"])
def test_qr_in_pdf_decodes_to_the_url(
    rendered: Callable[[str], bytes], sample_url: str, cert_type: str
) -> None:
    image = pdftools.page_image(rendered(cert_type), dpi=150)

    assert pdftools.qr_codes(image) == [sample_url]


def test_token_from_the_printed_qr_verifies(
    rendered: Callable[[str], bytes], key_store: KeyStore
) -> None:
    [url] = pdftools.qr_codes(pdftools.page_image(rendered("software_filing")))
    parts = urlsplit(url)
    [token] = parse_qs(parts.query)["t"]

    claims = verify_token(token, key_store.jwks())

    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE_URL
    assert claims.number == NUMBER
    assert claims.names_subject(f"{VENDOR} {PRODUCT} V3.2.1")
    assert not claims.expired


@pytest.mark.slow
def test_each_certificate_carries_its_own_token(key_store: KeyStore) -> None:
    url = verify_url(key_store, number="票软证字〔2026〕第0002号")
    pdf = render_pdf("software_filing", contexts(url)["software_filing"], templates=LAYOUTS)

    [decoded] = pdftools.qr_codes(pdftools.page_image(pdf))

    assert decoded == url
    token = parse_qs(urlsplit(decoded).query)["t"][0]
    assert verify_token(token, key_store.jwks()).number == "票软证字〔2026〕第0002号"


def test_png_data_uri_decodes() -> None:
    uri = qr_png_data_uri("https://portal.test/verify?t=abc", scale=4)

    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(uri[len(prefix) :]))).convert("RGB")
    assert pdftools.qr_codes(image) == ["https://portal.test/verify?t=abc"]


def test_svg_has_a_viewbox_and_no_size() -> None:
    svg = qr_svg("https://portal.test/verify?t=abc", error="q")

    assert svg.startswith("<svg ")
    assert "viewBox=" in svg
    assert "width=" not in svg.split(">", 1)[0]


@pytest.mark.parametrize(("data", "error"), [("", "m"), ("x", "l"), ("x", "h"), ("x" * 5000, "m")])
def test_bad_input(data: str, error: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(data, error=error)


def test_png_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        qr_png_data_uri("x", scale=0)
