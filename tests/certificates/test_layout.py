"""The printed layout as a reader meets it: the seal covers no word, the link under the
QR code is short enough to type, and the QR code scans from a 72-dpi photocopy."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from certificates.seal import MARK
from tests.certificates import pdftools
from tests.certificates.conftest import NUMBER

SEALED = ["software_filing", "testing_commission", "notice"]
SUBTITLES = {"备案专用章", "检测委托专用章", "验收专用章", MARK}


@dataclass(frozen=True)
class Box:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def words(pdf: bytes) -> list[Box]:
    """``pdftotext -bbox``: every word of page 1 with its box in points."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        html = subprocess.run(
            ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [
        Box(text, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, text in re.findall(pattern, html)
    ]


def seal_box(pdf: bytes) -> Box:
    """Where the seal's red ink is: at 72 dpi one pixel is one point, the unit of
    ``pdftotext -bbox``. The red frame and the red line at the top are left out."""
    image = pdftools.page_image(pdf, dpi=72)
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    red = [
        (x, y)
        for y in range(110, height - 45)
        for x in range(45, width - 45)
        if _is_red(pixels[x, y])
    ]
    assert red, "no seal on the page"
    xs, ys = [x for x, _ in red], [y for _, y in red]
    return Box("seal", min(xs), min(ys), max(xs) + 1, max(ys) + 1)


def _is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    red, green, blue = pixel
    return red > 150 and green < 120 and blue < 120


def is_seal_text(word: Box) -> bool:
    """The seal's own words: one character each along its rim, its subtitle, its mark."""
    return len(word.text) == 1 or word.text in SUBTITLES


@pytest.mark.parametrize("cert_type", SEALED)
def test_the_seal_covers_no_word(rendered: Callable[[str], bytes], cert_type: str) -> None:
    pdf = rendered(cert_type)
    seal = seal_box(pdf)
    assert 90 < seal.right - seal.left < 115, seal  # about 36 mm: the seal was found

    covered = [word.text for word in words(pdf) if word.meets(seal) and not is_seal_text(word)]

    assert covered == []


@pytest.mark.parametrize("cert_type", SEALED)
def test_the_printed_link_is_short_and_has_no_token(
    rendered: Callable[[str], bytes], cert_type: str, sample_url: str
) -> None:
    text = pdftools.squashed_text(rendered(cert_type))
    assert "验证网址：portal.test/verify" in text
    token = sample_url.split("?t=", 1)[1]
    assert token[:20] not in text and "?t=" not in text


def photocopy(image: Image.Image) -> Image.Image:
    """A 72-dpi photocopy: a little blur, then black or white."""
    grey = image.convert("L").filter(ImageFilter.GaussianBlur(0.5))
    return grey.point(lambda value: 255 if value > 140 else 0).convert("RGB")


@pytest.mark.parametrize("cert_type", SEALED)
def test_the_qr_code_scans_from_a_72_dpi_photocopy(
    rendered: Callable[[str], bytes], cert_type: str, sample_url: str
) -> None:
    page = pdftools.page_image(rendered(cert_type), dpi=72)

    assert pdftools.qr_codes(page) == [sample_url]
    assert pdftools.qr_codes(photocopy(page)) == [sample_url]


def test_the_sample_number_is_printed(rendered: Callable[[str], bytes]) -> None:
    assert NUMBER in pdftools.squashed_text(rendered("software_filing"))
