"""Rendered certificates, read back as a reader of the PDF would: text, fonts, page size."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from certificates import CertificateContextError, certificate_types, cn_date, render_html
from certificates import render_pdf as render_certificate
from tests.certificates import pdftools
from tests.certificates.conftest import ISSUER, LAYOUTS, NUMBER, PRODUCT, USCC, VENDOR, contexts

TYPES = ["software_filing", "testing_commission", "commitment_letter", "notice"]

EXPECTED_TEXT = {
    "software_filing": [
        "电影院票务软件产品备案证书",
        NUMBER,
        VENDOR,
        PRODUCT,
        "V3.2.1",
        USCC,
        "票软备2026-0007",
        "9e107d9d372bb6826bd81d3542a419d6",
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
        "2026年11月22日至2029年11月21日",
        ISSUER,
        "扫码验证",
        "状态：有效",
    ],
    "testing_commission": [
        "委托检测书",
        "委检字〔2026〕第0042号",
        "总局电影技术质量检测所：",
        "SL20261122-0042",
        "云影网络售票平台",
        "北京云影网络科技有限公司",
        "电影票网络代售软件",
        "自助取票机接口检测",
        "电影资金办",
        "2026年12月31日前",
        "扫码验证",
    ],
    "commitment_letter": [
        "服务承诺书",
        f"对本公司生产的{PRODUCT}（版本为V3.2.1版）票务软件产品作出如下承诺",
        "GY/T276-2013",
        "保证不篡改、伪造票务软件",
        f"公司（公章）：{VENDOR}",
        "年月日",
    ],
    "notice": [
        "安装验收确认书",
        "验字〔2026〕第0318号",
        "长沙橘子洲国际影城",
        "43010318",
        "2026年11月20日",
        "验收合格",
        "扫码验证",
    ],
}


def test_every_type_has_a_template() -> None:
    assert certificate_types(LAYOUTS) == sorted(TYPES)


@pytest.mark.parametrize("cert_type", TYPES)
def test_text_is_real_and_chinese(rendered: Callable[[str], bytes], cert_type: str) -> None:
    text = pdftools.squashed_text(rendered(cert_type))

    for expected in EXPECTED_TEXT[cert_type]:
        assert "".join(expected.split()) in text


@pytest.mark.parametrize("cert_type", TYPES)
def test_one_a4_portrait_page(rendered: Callable[[str], bytes], cert_type: str) -> None:
    info = pdftools.info(rendered(cert_type))

    assert info["Pages"] == "1"
    assert info["Page size"] == "595.276 x 841.89 pts (A4)"


@pytest.mark.parametrize("cert_type", TYPES)
def test_fonts_are_embedded_cjk_with_bold_headings(
    rendered: Callable[[str], bytes], cert_type: str
) -> None:
    pdf = rendered(cert_type)
    fonts = pdftools.fonts(pdf)

    assert fonts
    assert all(font.embedded and font.subset for font in fonts)
    names = {font.name.split("+", 1)[1] for font in fonts}
    assert "Noto-Serif-CJK-SC" in names
    assert "Noto-Serif-CJK-SC-Bold" in names
    # The title's characters are drawn with the bold face.
    bold = next(chars for name, chars in pdftools.characters_by_font(pdf).items() if "Bold" in name)
    title = {"software_filing": "备案证书", "testing_commission": "委托检测书"}
    title |= {"commitment_letter": "服务承诺书", "notice": "安装验收确认书"}
    assert set(title[cert_type]) <= bold


def test_title_and_author_metadata(rendered: Callable[[str], bytes]) -> None:
    info = pdftools.info(rendered("software_filing"))

    assert info["Title"] == f"电影院票务软件产品备案证书 {NUMBER}"
    assert info["Author"] == ISSUER


def test_agent_software_title(sample_url: str) -> None:
    context = contexts(sample_url)["software_filing"] | {"variant": "agent_software"}

    html = render_html("software_filing", context, templates=LAYOUTS)

    assert "电影票网络代售软件产品备案证书" in html


def test_context_is_escaped(sample_url: str) -> None:
    context = contexts(sample_url)["notice"] | {"subject": '<b class="x">影城</b> & 公司'}

    html = render_html("notice", context, templates=LAYOUTS)
    pdf = render_certificate("notice", context, templates=LAYOUTS)

    assert "&lt;b class=&#34;x&#34;&gt;影城&lt;/b&gt; &amp; 公司" in html
    assert '<b class="x">' not in html
    assert '<bclass="x">影城</b>&公司' in pdftools.squashed_text(pdf)


def test_commitment_letter_does_not_double_the_v(sample_url: str) -> None:
    for version in ("3.2.1", "V3.2.1", "v3.2.1"):
        context = contexts(sample_url)["commitment_letter"] | {"version": version}
        assert "V3.2.1</span>版" in render_html("commitment_letter", context, templates=LAYOUTS)


def test_commitment_letter_has_no_seal_and_no_qr(rendered: Callable[[str], bytes]) -> None:
    pdf = rendered("commitment_letter")

    assert "扫码验证" not in pdftools.text(pdf)
    assert "平台电子印章" not in pdftools.text(pdf)
    assert pdftools.qr_codes(pdftools.page_image(pdf)) == []


def test_notice_accepts_several_paragraphs(sample_url: str) -> None:
    context = contexts(sample_url)["notice"] | {"body": ["第一段。", "第二段。"]}

    html = render_html("notice", context, templates=LAYOUTS)

    assert html.index("第一段。") < html.index("第二段。")


@pytest.mark.parametrize("missing", ["number", "verify_url", "vendor", "valid_until"])
def test_missing_key_is_reported(sample_url: str, missing: str) -> None:
    context = dict(contexts(sample_url)["software_filing"])
    del context[missing]

    with pytest.raises(CertificateContextError, match=missing):
        render_certificate("software_filing", context, templates=LAYOUTS)


@pytest.mark.parametrize("cert_type", ["base", "../templates/base", "unknown", "Notice", ""])
def test_unknown_type(cert_type: str) -> None:
    with pytest.raises(LookupError):
        render_certificate(cert_type, {}, templates=LAYOUTS)


def test_naive_datetime_is_refused(sample_url: str) -> None:
    context = contexts(sample_url)["notice"] | {"issue_date": datetime(2026, 11, 22, 9)}

    with pytest.raises(CertificateContextError, match="timezone"):
        render_html("notice", context, templates=LAYOUTS)


def test_chinese_dates() -> None:
    assert cn_date(date(2026, 1, 5)) == "2026年1月5日"
    # 20:00 UTC is already the next day in Beijing.
    assert cn_date(datetime(2026, 11, 21, 20, 0, tzinfo=UTC)) == "2026年11月22日"
    assert cn_date("长期") == "长期"


@pytest.mark.slow
def test_rendering_is_fast(sample_url: str) -> None:
    """Well under a second per certificate once fonts are loaded (measured: 0.2-0.3 s)."""
    context = contexts(sample_url)["software_filing"]
    render_certificate("software_filing", context, templates=LAYOUTS)
    durations = []
    for _ in range(3):
        start = time.perf_counter()
        render_certificate("software_filing", context, templates=LAYOUTS)
        durations.append(time.perf_counter() - start)

    # Generous, as the suite runs on two busy workers; a PDF that embedded whole CJK
    # fonts (no harfbuzz subsetting) would take several seconds and 30 MB.
    assert statistics.median(durations) < 3
