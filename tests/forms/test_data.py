"""validate_data: JSON in, clean JSON and dotted-path errors out, as the API uses it."""

from __future__ import annotations

from typing import Any

import pytest
import wtforms
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, form_data, to_formdata, validate_data
from forms.data import NON_FIELD_ERRORS
from tests.forms.conftest import make_form

REQUIRED = "This field is required."


def test_valid_cinema_registration(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {}
    assert clean == cinema_data


def test_clean_data_is_normalised(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["name"] = "  星光影城 \n"
    cinema_data["contact_mobile"] = "138-0013 8000"
    cinema_data["halls"][0]["seats"] = "120"
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {}
    assert clean["name"] == "星光影城"
    assert clean["contact_mobile"] == "13800138000"
    assert clean["halls"][0]["seats"] == 120


def test_empty_data_reports_every_required_field(cinema: FormDefinition) -> None:
    clean, errors = validate_data(cinema, {})
    assert clean == {
        "name": None,
        "address": None,
        "division_code": None,
        "circuit": None,
        "halls": [],
        "contact_name": None,
        "contact_mobile": None,
    }
    assert errors == {
        "name": [REQUIRED],
        "address": [REQUIRED],
        "division_code": [REQUIRED],
        "circuit": [REQUIRED],
        "halls": ["At least 1 row is required."],
        "contact_name": [REQUIRED],
        "contact_mobile": [REQUIRED],
    }


def test_draft_drops_required_rules_only(cinema: FormDefinition) -> None:
    assert validate_data(cinema, {}, draft=True)[1] == {}
    clean, errors = validate_data(
        cinema, {"name": "影" * 101, "division_code": "430000", "halls": [{"seats": 0}]}, draft=True
    )
    assert errors == {
        "name": ["Field cannot be longer than 100 characters."],
        "division_code": ["Not a county-level administrative division code."],
        "halls.0.seats": ["Number must be at least 1."],
    }
    assert clean["halls"] == [{"name": None, "seats": 0}]


def test_blank_strings_count_as_missing(
    cinema: FormDefinition, cinema_data: dict[str, Any]
) -> None:
    cinema_data["name"] = "   "
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {"name": [REQUIRED]}
    assert clean["name"] is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("name", ["星光影城"], "Expected a string."),
        ("name", {"zh": "星光影城"}, "Expected a string."),
        ("name", 42, "Expected a string."),
        ("name", True, "Expected a string."),
        ("name", "星光\x00影城", "Contains invalid characters."),
        ("halls", {"name": "1号厅"}, "Expected a list."),
        ("halls", "1号厅", "Expected a list."),
    ],
)
def test_wrong_json_types(
    cinema: FormDefinition, cinema_data: dict[str, Any], key: str, value: Any, message: str
) -> None:
    cinema_data[key] = value
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {key: [message]}
    assert clean[key] in (None, [])


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        ("many", "Not a valid integer value."),
        ("12.5", "Not a valid integer value."),
        (12.5, "Not a valid integer value."),
        ("NaN", "Not a valid integer value."),
        ("Infinity", "Not a valid integer value."),
        ("1_000", "Not a valid integer value."),
        ("0x10", "Not a valid integer value."),
        ({"value": 1}, "Expected a number."),
        ([120], "Expected a number."),
        (True, "Expected a number."),
        (10**30, "Number is too large."),
        ("1e400", "Number is too large."),
        ("9" * 5000, "Number is too large."),
        (0, "Number must be at least 1."),
        (3001, "Number must be at most 3000."),
    ],
)
def test_bad_integers(
    cinema: FormDefinition, cinema_data: dict[str, Any], seats: Any, message: str
) -> None:
    cinema_data["halls"][1]["seats"] = seats
    _, errors = validate_data(cinema, cinema_data)
    assert errors == {"halls.1.seats": [message]}


@pytest.mark.parametrize(
    ("seats", "clean"), [("120", 120), (120.0, 120), ("1.2e2", 120), (" 7 ", 7)]
)
def test_integer_spellings(
    cinema: FormDefinition, cinema_data: dict[str, Any], seats: Any, clean: int
) -> None:
    cinema_data["halls"][0]["seats"] = seats
    data, errors = validate_data(cinema, cinema_data)
    assert errors == {}
    assert data["halls"][0]["seats"] == clean


def test_unknown_keys(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["cinema_code"] = "43000001"
    cinema_data["halls"][1]["screen"] = "IMAX"
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {"cinema_code": ["Unknown field."], "halls.1.screen": ["Unknown field."]}
    assert "cinema_code" not in clean


def test_data_must_be_an_object(cinema: FormDefinition) -> None:
    clean, errors = validate_data(cinema, ["name"])  # type: ignore[arg-type]
    assert errors == {NON_FIELD_ERRORS: ["Expected an object."]}
    assert clean["halls"] == []


# -- dynamic lists -------------------------------------------------------------------------


def test_required_list_with_no_rows(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["halls"] = []
    assert validate_data(cinema, cinema_data)[1] == {"halls": ["At least 1 row is required."]}


def test_too_many_rows(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["halls"] = [{"name": f"{i}号厅", "seats": 100} for i in range(51)]
    assert validate_data(cinema, cinema_data)[1] == {"halls": ["At most 50 rows are allowed."]}


def test_huge_row_count_is_refused_quickly(
    cinema: FormDefinition, cinema_data: dict[str, Any]
) -> None:
    cinema_data["halls"] = [{"name": "厅", "seats": 1}] * 20000
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {"halls": ["At most 50 rows are allowed."]}
    assert len(clean["halls"]) == 51


def test_bad_row_reports_its_path(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["halls"].append({"name": "", "seats": 5000})
    cinema_data["halls"][1]["seats"] = "x"
    _, errors = validate_data(cinema, cinema_data)
    assert errors == {
        "halls.1.seats": ["Not a valid integer value."],
        "halls.2.name": [REQUIRED],
        "halls.2.seats": ["Number must be at most 3000."],
    }


def test_row_that_is_not_an_object(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["halls"].insert(0, "1号厅")
    _, errors = validate_data(cinema, cinema_data)
    assert errors == {"halls.0": ["Expected an object."]}


def test_blank_rows_are_not_data(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["halls"].insert(0, {"name": "  ", "seats": None})
    cinema_data["halls"].append({})
    clean, errors = validate_data(cinema, cinema_data)
    assert errors == {}
    assert [hall["name"] for hall in clean["halls"]] == ["1号厅", "IMAX厅"]


# -- requiredIf ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"decision": "approve"}, {}),
        ({"decision": "approve", "comment": "材料齐全"}, {}),
        ({"decision": "return"}, {"comment": [REQUIRED]}),
        ({"decision": "reject", "comment": " "}, {"comment": [REQUIRED]}),
        ({"decision": "reject", "comment": "不符合条件"}, {}),
        ({}, {"decision": [REQUIRED]}),
        ({"decision": "maybe"}, {"decision": ["Not a valid choice."]}),
        ({"decision": ["approve"]}, {"decision": ["Expected a string."]}),
        (
            {"decision": "approve", "comment": "长" * 2001},
            {"comment": ["Field cannot be longer than 2000 characters."]},
        ),
    ],
)
def test_review_decisions(
    review: FormDefinition, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    assert validate_data(review, data)[1] == errors


def test_required_if_is_dropped_in_drafts(review: FormDefinition) -> None:
    assert validate_data(review, {"decision": "return"}, draft=True)[1] == {}


# -- kinds beyond the built-in forms -----------------------------------------------------------

AMOUNT = {
    "type": "number",
    "key": "amount",
    "label": "金额",
    "decimalDigits": 2,
    "validate": {"min": 0, "max": 100000},
}


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


CHOICES = [{"label": "甲", "value": "a"}, {"label": "乙", "value": "b"}]


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


# -- messages go through the base class's translations ------------------------------------------


class _Brackets:
    def gettext(self, message: str) -> str:
        return f"[{message}]"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"[{singular if n == 1 else plural}]"


class TranslatedForm(wtforms.Form):
    class Meta:
        def get_translations(self, form: Any) -> _Brackets:
            return _Brackets()


def test_messages_are_translated(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    cinema_data["name"] = ""
    cinema_data["extra"] = 1
    cinema_data["contact_mobile"] = "12800138000"
    cinema_data["halls"] = [{"name": "厅", "seats": "x"}] * 51
    _, errors = validate_data(cinema, cinema_data, base=TranslatedForm)
    assert errors["name"] == ["[This field is required.]"]
    assert errors["extra"] == ["[Unknown field.]"]
    assert errors["contact_mobile"] == ["[Not a valid mobile phone number.]"]
    assert errors["halls"] == ["[At most 50 rows are allowed.]"]
    assert errors["halls.0.seats"] == ["[Not a valid integer value.]"]


# -- to_formdata and round trips ------------------------------------------------------------------


def test_to_formdata_naming() -> None:
    formdata = to_formdata(
        {
            "name": "星光",
            "none": None,
            "agree": True,
            "refuse": False,
            "seats": 12,
            "amount": 12.5,
            "tags": ["a", "b"],
            "halls": [{"name": "1号厅", "seats": 120, "vip": True}, {"name": "2号厅"}],
        }
    )
    assert formdata == MultiDict(
        [
            ("name", "星光"),
            ("agree", "y"),
            ("seats", "12"),
            ("amount", "12.5"),
            ("tags", "a"),
            ("tags", "b"),
            ("halls-0-name", "1号厅"),
            ("halls-0-seats", "120"),
            ("halls-0-vip", "y"),
            ("halls-1-name", "2号厅"),
        ]
    )


def test_clean_data_validates_to_itself(
    cinema: FormDefinition, cinema_data: dict[str, Any]
) -> None:
    clean, _ = validate_data(cinema, cinema_data)
    assert validate_data(cinema, clean) == (clean, {})


def test_round_trip_through_object_data() -> None:
    definition = make_form(
        AMOUNT,
        {"type": "datetime", "key": "start", "label": "开始", "subtype": "datetime"},
        {"type": "datetime", "key": "day", "label": "日期", "subtype": "date"},
        {"type": "checklist", "key": "parts", "label": "部分", "values": CHOICES},
        {"type": "taglist", "key": "tickets", "label": "票号"},
        {"type": "checkbox", "key": "done", "label": "已完成"},
    )
    clean, errors = validate_data(
        definition,
        {
            "amount": "99.9",
            "start": "2026-10-01T09:00",
            "day": "2026-10-08",
            "parts": ["a"],
            "tickets": ["T1", "T2"],
            "done": True,
        },
    )
    assert errors == {}
    # A saved draft shown again: the page form is built from the stored JSON.
    form = build_form_class(definition)(data=clean)
    assert form_data(form) == clean
    assert validate_data(definition, clean) == (clean, {})
