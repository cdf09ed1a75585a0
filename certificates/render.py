"""Certificates as PDF: Jinja2 templates rendered by WeasyPrint.

Each certificate type has a template ``<cert_type>.html`` extending ``base.html``
and styled by ``certificate.css`` (A4 portrait, a double red frame, Noto Serif
CJK SC with its bold for headings, real extractable text). This package ships
the generic one; a caller with layouts of its own passes their folder as
``templates`` (searched first; ``base.html`` and the stylesheet still come from
here). Each template's header comment lists its context keys:

``notice`` any certificate without a layout of its own
    number, issuer, issue_date, verify_url, title, subject, fields (list of
    (label, value)); optional body (str or list of str), note, status,
    seal_name, seal_subtitle.

Dates are :class:`~datetime.date` (or aware datetimes, shown in Beijing time)
and print as 2026年11月22日. Autoescaping is on: context strings are text, never HTML.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from certificates.qr import qr_svg
from certificates.seal import seal_svg

TEMPLATES = Path(__file__).parent / "templates"
BEIJING = ZoneInfo("Asia/Shanghai")
_TYPE = re.compile(r"[a-z][a-z0-9_]*")
_PRIVATE_TEMPLATES = frozenset({"base"})


class CertificateContextError(ValueError):
    """The context lacks a key the template needs, or holds an unusable value."""


def cn_date(value: object) -> object:
    """Format a date as 2026年11月22日 (an aware datetime in Beijing time); pass
    anything else through unchanged.

    :raise ValueError: a naive datetime (its day would be a guess).
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes on certificates must be timezone-aware")
        value = value.astimezone(BEIJING).date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return value


def _without_v(version: str) -> str:
    return version[1:] if version[:1] in {"V", "v"} else version


def short_link(url: str) -> str:
    """The verification URL as printed for people to type: host and path, without
    the scheme and the token (``portal.example/verify/BAZS2026000001``)."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" if parts.netloc else url.split("?", 1)[0]


def _qr_code(url: str) -> Markup:
    return Markup(qr_svg(url))  # noqa: S704 - geometry only: the data is in the drawing, not in markup


def _seal_image(name: str, subtitle: str | None) -> Markup:
    return Markup(seal_svg(name, subtitle=subtitle or None))  # noqa: S704 - escaped in seal_svg


@functools.lru_cache(maxsize=32)
def _environment(templates: Path | None) -> jinja2.Environment:
    """The Jinja2 environment reading ``templates`` first, then this package's."""
    folders = [TEMPLATES] if templates is None else [templates, TEMPLATES]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cn_date"] = cn_date
    environment.filters["without_v"] = _without_v
    environment.filters["short_link"] = short_link
    environment.globals["qr_code"] = _qr_code
    environment.globals["seal_image"] = _seal_image
    return environment


# Parsed once per thread: the stylesheet and the font configuration (fontconfig's
# lookups and the fonts' metadata) are most of the cost of a first rendering.
_local = threading.local()


def _styles() -> tuple[CSS, FontConfiguration]:
    cached: tuple[CSS, FontConfiguration] | None = getattr(_local, "styles", None)
    if cached is None:
        fonts = FontConfiguration()
        css = CSS(filename=str(TEMPLATES / "certificate.css"), font_config=fonts)
        cached = _local.styles = (css, fonts)
    return cached


def certificate_types(templates: Path | None = None) -> list[str]:
    """The certificate types that have a template (here, or in ``templates``), sorted."""
    folders = [TEMPLATES] if templates is None else [templates, TEMPLATES]
    return sorted(
        {
            path.stem
            for folder in folders
            for path in folder.glob("*.html")
            if path.stem not in _PRIVATE_TEMPLATES
        }
    )


def render_html(
    cert_type: str, context: Mapping[str, Any], *, templates: Path | None = None
) -> str:
    """Render the HTML of a certificate (what :func:`render_pdf` prints).

    :raise LookupError: no template for ``cert_type``.
    :raise CertificateContextError: a key the template needs is missing, or a
        value cannot be used (a naive datetime, a seal name over 24 characters,
        a URL too long for a QR code).
    """
    if not _TYPE.fullmatch(cert_type) or cert_type not in certificate_types(templates):
        raise LookupError(f"no certificate template for {cert_type!r}")
    template = _environment(templates).get_template(f"{cert_type}.html")
    try:
        return template.render(dict(context))
    except jinja2.UndefinedError as error:
        raise CertificateContextError(f"{cert_type}: {error.message}") from error
    except ValueError as error:
        raise CertificateContextError(f"{cert_type}: {error}") from error


def render_pdf(
    cert_type: str, context: Mapping[str, Any], *, templates: Path | None = None
) -> bytes:
    """Render a certificate of ``cert_type`` as an unsigned A4 PDF.

    See the module docstring for each type's context keys. Sign the result with
    :func:`certificates.sign.sign_pdf` before handing it out.

    :raise LookupError: no template for ``cert_type``.
    :raise CertificateContextError: as :func:`render_html`.
    """
    html = render_html(cert_type, context, templates=templates)
    css, fonts = _styles()
    document = HTML(string=html, base_url=str(TEMPLATES))
    pdf = document.write_pdf(stylesheets=[css], font_config=fonts)
    if pdf is None:  # only when given a target to write to
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
