"""GB/T 2260 helpers."""

from __future__ import annotations

import pytest

from forms.divisions import (
    counties,
    lookup,
    normalize_scope,
    province_code,
    province_name,
    provinces,
)


def test_lookup_county() -> None:
    division = lookup("430102")
    assert division is not None
    assert division.name == "芙蓉区"
    assert division.full_name == "湖南省 长沙市 芙蓉区"
    assert division.level == "county"


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("430000", "湖南省", "province"),
        ("430100", "长沙市", "prefecture"),
        ("110103", "崇文区", "county"),
    ],
)
def test_lookup_levels_and_retired_codes(code: str, name: str, level: str) -> None:
    division = lookup(code)
    assert division is not None
    assert (division.name, division.level) == (name, level)


def test_full_name_skips_placeholders() -> None:
    division = lookup("110101")
    assert division is not None
    assert division.full_name == "北京市 东城区"


@pytest.mark.parametrize("code", ["999999", "43", "4301020", "", "43010a"])
def test_lookup_unknown(code: str) -> None:
    assert lookup(code) is None


def test_province_helpers() -> None:
    assert province_code("430102") == "43"
    assert province_code("43") == "43"
    assert province_name("430102") == "湖南省"
    assert province_name("4301") == "湖南省"


@pytest.mark.parametrize("code", ["", "x1", "990000"])
def test_province_name_refuses(code: str) -> None:
    with pytest.raises(ValueError, match=r"division code|province"):
        province_name(code)


@pytest.mark.parametrize(
    ("scope", "normal"),
    [
        ("43", "43"),
        ("4300", "43"),
        ("430000", "43"),
        ("4301", "4301"),
        ("430100", "4301"),
        ("430102", "430102"),
        (" 430102 ", "430102"),
        ("", ""),
    ],
)
def test_normalize_scope(scope: str, normal: str) -> None:
    assert normalize_scope(scope) == normal


@pytest.mark.parametrize("scope", ["99", "4399", "999999", "4", "43010", "4301021", "hunan"])
def test_normalize_scope_refuses(scope: str) -> None:
    with pytest.raises(ValueError, match="division code"):
        normalize_scope(scope)


def test_provinces_are_current() -> None:
    names = {division.code: division.name for division in provinces()}
    assert names["430000"] == "湖南省"
    assert names["110000"] == "北京市"
    assert all(division.level == "province" for division in provinces())
    assert list(names) == sorted(names)


def test_counties_of_a_scope() -> None:
    codes = [division.code for division in counties("4301")]
    assert "430102" in codes
    assert all(code.startswith("4301") and not code.endswith("00") for code in codes)
    assert "110103" not in [division.code for division in counties("11")]
    assert set(codes) <= {division.code for division in counties("43")}
