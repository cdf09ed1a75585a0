"""validate_data on the field kinds the built-in forms do not all use: decimals,
dates and times, checkboxes, choices, tags, patterns and lengths."""

from __future__ import annotations

from typing import Any

import pytest

from forms import FormDefinition, validate_data
from tests.forms.conftest import AMOUNT, CHOICES, make_form

REQUIRED = "This field is required."


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("12.5", "12.50"),
        (12.5, "12.50"),
        ("12.50", "12.50"),
        ("12.500", "12.50"),
        (3, "3.00"),
        ("-0", "0.00"),
        ("1e2", "100.00"),
    ],
)
def test_decimals(value: Any, clean: str) -> None:
    definition = make_form({**AMOUNT, "validate": {}})
    data, errors = validate_data(definition, {"amount": value})
    assert errors == {}
    assert data["amount"] == clean


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.555", "At most 2 decimal places are allowed."),
        (0.1 + 0.2, "At most 2 decimal places are allowed."),
        ("12,50", "Not a valid decimal value."),
        ("", None),
        ("-1", "Number must be at least 0."),
        ("100000.01", "Number must be at most 100000."),
        ("1e-999999", "At most 2 decimal places are allowed."),
    ],
)
def test_bad_decimals(value: Any, message: str | None) -> None:
    definition = make_form(AMOUNT)
    data, errors = validate_data(definition, {"amount": value})
    assert errors == ({"amount": [message]} if message else {})
    if message is None:
        assert data["amount"] is None


def test_one_decimal_place_message() -> None:
    definition = make_form({**AMOUNT, "decimalDigits": 1})
    assert validate_data(definition, {"amount": "1.25"})[1] == {
        "amount": ["At most 1 decimal place is allowed."]
    }


def _when(subtype: str) -> FormDefinition:
    return make_form({"type": "datetime", "key": "when", "label": "时间", "subtype": subtype})


@pytest.mark.parametrize(
    ("subtype", "value", "clean"),
    [
        ("datetime", "2026-09-30T14:30", "2026-09-30T14:30:00+08:00"),
        ("datetime", "2026-09-30 14:30:15", "2026-09-30T14:30:15+08:00"),
        ("datetime", "2026-09-30T06:30:00Z", "2026-09-30T14:30:00+08:00"),
        ("datetime", "2026-09-30T14:30:00+08:00", "2026-09-30T14:30:00+08:00"),
        ("datetime", "2026-09-30T20:30:00.5+14:00", "2026-09-30T14:30:00+08:00"),
        ("date", "2026-02-28", "2026-02-28"),
        ("time", "14:30", "14:30:00"),
        ("time", "09:05:07", "09:05:07"),
    ],
)
def test_dates_and_times(subtype: str, value: str, clean: str) -> None:
    data, errors = validate_data(_when(subtype), {"when": value})
    assert errors == {}
    assert data["when"] == clean


@pytest.mark.parametrize(
    ("subtype", "value", "message"),
    [
        ("datetime", "2026-09-30", "Not a valid datetime value."),
        ("datetime", "30/09/2026 14:30", "Not a valid datetime value."),
        ("datetime", "2026-09-31T14:30", "Not a valid datetime value."),
        ("date", "2026-02-30", "Not a valid date value."),
        ("date", "20260228", "Not a valid date value."),
        ("time", "25:00", "Not a valid time value."),
        ("time", "14:30+08:00", "Not a valid time value."),
        ("date", 20260228, "Expected a string."),
    ],
)
def test_bad_dates_and_times(subtype: str, value: Any, message: str) -> None:
    assert validate_data(_when(subtype), {"when": value})[1] == {"when": [message]}


def test_checkbox() -> None:
    definition = make_form(
        {"type": "checkbox", "key": "agree", "label": "我承诺", "validate": {"required": True}}
    )
    assert validate_data(definition, {"agree": True}) == ({"agree": True}, {})
    assert validate_data(definition, {"agree": False}) == ({"agree": False}, {"agree": [REQUIRED]})
    assert validate_data(definition, {"agree": "yes"})[1] == {"agree": ["Expected true or false."]}
    assert validate_data(definition, {}, draft=True) == ({"agree": False}, {})


def test_checklist() -> None:
    definition = make_form(
        {"type": "checklist", "key": "parts", "label": "部分", "values": CHOICES}
    )
    assert validate_data(definition, {"parts": ["b", "a", "b"]}) == ({"parts": ["b", "a"]}, {})
    assert validate_data(definition, {}) == ({"parts": []}, {})
    assert validate_data(definition, {"parts": ["a", "z"]})[1] == {
        "parts": ["'z' is not a valid choice for this field."]
    }
    assert validate_data(definition, {"parts": "a"})[1] == {
        "parts": ["Expected a list of strings."]
    }
    assert validate_data(definition, {"parts": [1]})[1] == {
        "parts": ["Expected a list of strings."]
    }


def test_select_and_radio() -> None:
    definition = make_form(
        {"type": "select", "key": "s", "label": "s", "values": CHOICES},
        {
            "type": "radio",
            "key": "r",
            "label": "r",
            "values": CHOICES,
            "validate": {"required": True},
        },
    )
    assert validate_data(definition, {"s": "", "r": "b"}) == ({"s": None, "r": "b"}, {})
    assert validate_data(definition, {"s": "c", "r": "a"})[1] == {"s": ["Not a valid choice."]}
    assert validate_data(definition, {"s": "a"})[1] == {"r": [REQUIRED]}


def test_taglist() -> None:
    definition = make_form(
        {"type": "taglist", "key": "tickets", "label": "票号"},
        {"type": "taglist", "key": "kinds", "label": "类", "values": CHOICES},
    )
    clean, errors = validate_data(definition, {"tickets": [" T1 ", "", "T2"], "kinds": ["a"]})
    assert errors == {}
    assert clean == {"tickets": ["T1", "T2"], "kinds": ["a"]}
    (message,) = validate_data(definition, {"kinds": ["x", "y"]})[1]["kinds"]
    assert message.endswith("are not valid choices for this field.")
    assert "'x'" in message
    assert "'y'" in message


@pytest.mark.parametrize(
    ("value", "ok"),
    [("ABC", True), ("ABCD", False), ("xABC", False), ("AB", False), ("", True)],
)
def test_pattern_must_match_the_whole_value(value: str, ok: bool) -> None:
    definition = make_form(
        {"type": "textfield", "key": "code", "label": "代码", "validate": {"pattern": "[A-Z]{3}"}}
    )
    errors = validate_data(definition, {"code": value})[1]
    assert errors == ({} if ok else {"code": ["Invalid input."]})


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("ab", {"code": ["Field must be at least 3 characters long."]}),
        ("abc", {}),
        ("abcdef", {"code": ["Field cannot be longer than 5 characters."]}),
    ],
)
def test_lengths(value: str, errors: dict[str, list[str]]) -> None:
    definition = make_form(
        {
            "type": "textfield",
            "key": "code",
            "label": "代码",
            "validate": {"minLength": 3, "maxLength": 5},
        }
    )
    assert validate_data(definition, {"code": value})[1] == errors


def test_required_if_on_a_checkbox() -> None:
    definition = make_form(
        {"type": "checkbox", "key": "replay", "label": "回放"},
        {
            "type": "textfield",
            "key": "replay_url",
            "label": "回放地址",
            "properties": {"requiredIf": "replay=true"},
        },
    )
    assert validate_data(definition, {"replay": True})[1] == {"replay_url": [REQUIRED]}
    assert validate_data(definition, {"replay": False})[1] == {}
