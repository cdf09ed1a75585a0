"""The portal's seal drawn in SVG: a round red stamp for certificates.

It is drawn, not scanned: geometric rings, a regular star, the issuer's name
in the portal's font and the words 平台电子印章 at the bottom, so no one takes it
for the impression of a real physical seal. The PDF's digital signature, not
this picture, is what proves a certificate authentic.

Each character of the name is a separate ``<text>`` rotated about the centre,
because WeasyPrint's ``textPath`` support is unreliable.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

SEAL_RED = "#d7000f"
FONT_FAMILY = "Noto Serif CJK SC, Noto Sans CJK SC, serif"
MARK = "平台电子印章"
"""Printed small at the bottom of every seal: a drawing by the portal."""

_SIZE = 200
_CENTRE = _SIZE / 2
_INNER_RING = 84.0
_STAR_RADIUS = 27.0
_NAME_SIZE = 23.0
_NAME_MIN_SIZE = 19.0
_NAME_GAP = 4.0
_NAME_ASCENT = 0.8  # of the font size; WeasyPrint's SVG text uses 0.8
_MAX_SPAN = 220.0  # degrees of the upper arc the name may cover
_STEP = 24.0  # degrees between characters of a short name
_MAX_NAME = 24
_MAX_SUBTITLE = 8


def seal_svg(issuer_name: str, *, subtitle: str | None = None) -> str:
    """Return an ``<svg>`` element (200 x 200 user units, size it with CSS) of the seal.

    ``issuer_name`` runs clockwise along the upper arc, one rotated character at
    a time; long names are spread over up to 250 degrees and narrowed. The
    optional ``subtitle`` (such as 备案专用章) is written straight below the star.

    :raise ValueError: ``issuer_name`` is blank or longer than 24 characters, or
        ``subtitle`` is longer than 8.
    """
    name = "".join(issuer_name.split())
    if not name or len(name) > _MAX_NAME:
        raise ValueError(f"the issuer name must have 1 to {_MAX_NAME} characters")
    if subtitle is not None and len(subtitle) > _MAX_SUBTITLE:
        raise ValueError(f"the subtitle must have at most {_MAX_SUBTITLE} characters")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_SIZE} {_SIZE}" class="seal">',
        f'<g fill="none" stroke="{SEAL_RED}">',
        f'<circle cx="{_CENTRE}" cy="{_CENTRE}" r="94" stroke-width="6"/>',
        f'<circle cx="{_CENTRE}" cy="{_CENTRE}" r="{_INNER_RING}" stroke-width="1.2"/>',
        "</g>",
        f'<path fill="{SEAL_RED}" d="{_star_path()}"/>',
        f'<g fill="{SEAL_RED}" font-family="{FONT_FAMILY}" font-weight="bold" '
        'text-anchor="middle">',
        *_name_characters(name),
    ]
    if subtitle:
        parts.append(
            f'<text x="{_CENTRE}" y="{_CENTRE + 52}" font-size="17">{escape(subtitle)}</text>'
        )
    parts += [
        f'<text x="{_CENTRE}" y="{_CENTRE + 72}" font-size="8" font-weight="normal">{MARK}</text>',
        "</g>",
        "</svg>",
    ]
    return "".join(parts)


def _star_path() -> str:
    """A five-pointed star, point up, centred a little above the middle."""
    centre_y = _CENTRE - 4
    points = []
    for i in range(10):
        radius = _STAR_RADIUS if i % 2 == 0 else _STAR_RADIUS * 0.382
        angle = math.radians(-90 + 36 * i)
        points.append(
            f"{_CENTRE + radius * math.cos(angle):.2f},{centre_y + radius * math.sin(angle):.2f}"
        )
    return "M" + "L".join(points) + "Z"


def _name_characters(name: str) -> list[str]:
    count = len(name)
    step = min(_STEP, _MAX_SPAN / (count - 1)) if count > 1 else 0.0
    size = max(_NAME_MIN_SIZE, _NAME_SIZE - 0.5 * max(0, count - 12))
    baseline_radius = _INNER_RING - _NAME_GAP - _NAME_ASCENT * size
    # Narrow the glyphs when the arc between two characters is shorter than one em.
    room = math.radians(step) * (baseline_radius + size / 2) * 0.95 if count > 1 else size
    narrowing = min(1.0, room / size)
    first = -step * (count - 1) / 2
    elements = []
    for index, character in enumerate(name):
        angle = first + step * index
        elements.append(
            f'<text font-size="{size:g}" transform="rotate({angle:.2f} {_CENTRE} {_CENTRE}) '
            f'translate({_CENTRE} {_CENTRE - baseline_radius}) scale({narrowing:.3f} 1)" '
            f'x="0" y="0">{escape(character)}</text>'
        )
    return elements
