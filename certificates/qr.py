"""QR codes for the certificates: SVG for the PDF, PNG data URIs for web pages."""

from __future__ import annotations

import segno

ERROR_LEVELS = frozenset({"m", "q"})
"""M (15 % recoverable) by default; Q (25 %) for short data that can afford it."""

QUIET_ZONE = 4  # modules of white border, as ISO/IEC 18004 requires


def _make(data: str, error: str) -> segno.QRCode:
    if error.lower() not in ERROR_LEVELS:
        raise ValueError(f"error correction must be one of {sorted(ERROR_LEVELS)}")
    if not data:
        raise ValueError("a QR code needs data")
    # boost_error=False: a fixed level keeps the symbol size predictable for the layout.
    return segno.make(data, error=error, micro=False, boost_error=False)


def qr_svg(data: str, *, error: str = "m") -> str:
    """Return ``data`` as a QR code: an ``<svg>`` element with a ``viewBox`` and no size.

    The caller sizes it with CSS (the certificates use 42 mm); the quiet zone is
    included. The element has no XML declaration, so it can be inlined in HTML.

    :raise ValueError: ``data`` is empty, longer than a QR code holds, or
        ``error`` is not ``"m"`` or ``"q"``.
    """
    try:
        code = _make(data, error)
    except segno.DataOverflowError as overflow:
        raise ValueError(str(overflow)) from overflow
    return code.svg_inline(
        border=QUIET_ZONE,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )


def qr_png_data_uri(data: str, scale: int = 4, *, error: str = "m") -> str:
    """Return ``data`` as a QR code in a ``data:image/png;base64,...`` URI.

    ``scale`` is the size of one module in pixels.

    :raise ValueError: as :func:`qr_svg`, or ``scale`` is below 1.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    try:
        code = _make(data, error)
    except segno.DataOverflowError as overflow:
        raise ValueError(str(overflow)) from overflow
    return code.png_data_uri(scale=scale, border=QUIET_ZONE)
