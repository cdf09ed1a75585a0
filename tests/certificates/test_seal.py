"""The seal: a red drawing that WeasyPrint renders, the issuer's name one character at a time."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from PIL import Image
from weasyprint import HTML

from certificates import seal_svg
from tests.certificates import pdftools

SVG = "{http://www.w3.org/2000/svg}"


def _strong_red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels of the seal's red: the frame's dark red (155, 28, 28) does not count."""
    data = image.crop(box).tobytes()  # RGB, one byte per channel
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80)


def test_structure() -> None:
    markup = seal_svg("电影和文化审批服务平台", subtitle="备案专用章")

    svg = ElementTree.fromstring(markup)  # noqa: S314 - our own output

    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert texts[:11] == list("电影和文化审批服务平台")
    assert "备案专用章" in texts
    assert "平台电子印章" in texts  # says it is the portal's drawing
    rotations = [element.get("transform", "") for element in svg.iter(f"{SVG}text")][:11]
    assert all(rotation.startswith("rotate(") for rotation in rotations)
    assert len(set(rotations)) == 11
    assert len(list(svg.iter(f"{SVG}circle"))) == 2
    assert len(list(svg.iter(f"{SVG}path"))) == 1  # the star


def test_markup_in_names_is_escaped() -> None:
    svg = seal_svg("<甲&乙>", subtitle="</svg>")

    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert [element.text for element in root.iter(f"{SVG}text")][:5] == list("<甲&乙>")


@pytest.mark.parametrize(
    ("name", "subtitle"),
    [("", None), ("   ", None), ("字" * 25, None), ("平台", "九个字的副标题太长了")],
)
def test_bad_input(name: str, subtitle: str | None) -> None:
    with pytest.raises(ValueError):
        seal_svg(name, subtitle=subtitle)


def test_weasyprint_draws_the_characters() -> None:
    html = f'<div style="width: 50mm">{seal_svg("审批服务平台", subtitle="备案专用章")}</div>'

    pdf = HTML(string=html).write_pdf()

    text = pdftools.squashed_text(pdf)
    for character in "审批服务平台备案专用章":
        assert character in text
    assert any("CJK" in font.name for font in pdftools.fonts(pdf))


def test_seal_is_red_on_the_certificate(rendered: Callable[[str], bytes]) -> None:
    image = pdftools.page_image(rendered("software_filing"), dpi=75)
    width, height = image.size
    lower_right = (width // 2, height // 2, width, height)
    upper_half = (0, 0, width, height // 2)

    assert _strong_red_pixels(image, lower_right) > 600
    assert _strong_red_pixels(image, upper_half) < 50


def test_no_seal_on_the_commitment_letter(rendered: Callable[[str], bytes]) -> None:
    image = pdftools.page_image(rendered("commitment_letter"), dpi=75)

    assert _strong_red_pixels(image, (0, 0, *image.size)) < 50
