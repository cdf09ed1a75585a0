"""The named validators, their predicates, and how compiled forms use them."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc as stdnum_uscc

from forms import (
    is_valid_division_code,
    is_valid_email,
    is_valid_mobile,
    is_valid_uscc,
    normalize_mobile,
    normalize_uscc,
    validate_data,
)
from tests.forms.conftest import make_form


def _with_check_digit(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17 + "0")


VALID_USCC = "91110000802100433B"
GENERATED_USCC = _with_check_digit("91430100MA4L12345")


def _flip_last(code: str) -> str:
    return code[:-1] + ("A" if code[-1] != "A" else "B")


@pytest.mark.parametrize("code", [VALID_USCC, GENERATED_USCC])
def test_valid_uscc(code: str) -> None:
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    "code",
    [
        _flip_last(VALID_USCC),
        _flip_last(GENERATED_USCC),
        VALID_USCC[:-1],
        VALID_USCC + "0",
        "91110000802100433b",  # lower case: normalise first
        "9111000080210043IB",  # I is not in the alphabet
        "",
    ],
)
def test_invalid_uscc(code: str) -> None:
    assert not is_valid_uscc(code)


def test_normalize_uscc() -> None:
    assert normalize_uscc(" 9111-0000 802100433b ") == VALID_USCC


@pytest.mark.parametrize("number", ["13800138000", "19912345678", "15012345678"])
def test_valid_mobile(number: str) -> None:
    assert is_valid_mobile(number)


@pytest.mark.parametrize(
    "number", ["12800138000", "1380013800", "138001380000", "23800138000", "1380013800a", ""]
)
def test_invalid_mobile(number: str) -> None:
    assert not is_valid_mobile(number)


def test_normalize_mobile() -> None:
    assert normalize_mobile("138 0013-8000") == "13800138000"


@pytest.mark.parametrize(
    ("code", "any_level", "county"),
    [
        ("430102", True, True),  # 长沙市芙蓉区
        ("430100", True, False),  # 长沙市
        ("430000", True, False),  # 湖南省
        ("110103", True, True),  # 崇文区: merged in 2010, still a known code
        ("999999", False, False),
        ("43010", False, False),
        ("4301021", False, False),
        ("abcdef", False, False),
    ],
)
def test_division_codes(code: str, any_level: bool, county: bool) -> None:
    assert is_valid_division_code(code) is any_level
    assert is_valid_division_code(code, county=True) is county


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("film@example.cn", True),
        ("a.b@mail.example.com", True),
        ("a@b", False),
        ("a b@c.cn", False),
        ("@c.cn", False),
    ],
)
def test_email(address: str, ok: bool) -> None:
    assert is_valid_email(address) is ok


def _form_with(validator: str) -> object:
    return make_form(
        {"type": "textfield", "key": "value", "label": "值", "properties": {"validator": validator}}
    )


@pytest.mark.parametrize(
    ("validator", "value", "clean", "errors"),
    [
        ("uscc", VALID_USCC.lower(), VALID_USCC, []),
        ("uscc", _flip_last(VALID_USCC), None, ["Not a valid unified social credit code."]),
        ("mobile", "138 0013 8000", "13800138000", []),
        ("mobile", "12800138000", None, ["Not a valid mobile phone number."]),
        ("division_code", "430000", "430000", []),
        ("division_code", "999999", None, ["Not a valid administrative division code."]),
        ("county_code", "430102", "430102", []),
        ("county_code", "430000", None, ["Not a county-level administrative division code."]),
        ("county_code", "999999", None, ["Not a valid administrative division code."]),
        ("email", "film@example.cn", "film@example.cn", []),
        ("email", "film@", None, ["Invalid email address."]),
    ],
)
def test_named_validators_in_forms(
    validator: str, value: str, clean: str | None, errors: list[str]
) -> None:
    definition = _form_with(validator)
    data, problems = validate_data(definition, {"value": value})  # type: ignore[arg-type]
    assert problems.get("value", []) == errors
    if clean is not None:
        assert data["value"] == clean


def test_several_validators_on_one_field() -> None:
    definition = _form_with("division_code, county_code")
    assert definition.field("value").validators == ("division_code", "county_code")
    _, errors = validate_data(definition, {"value": "430000"})
    assert errors == {"value": ["Not a county-level administrative division code."]}
