"""validate_data: JSON in, clean JSON and dotted-path errors out, as the API uses it."""

from __future__ import annotations

from typing import Any

import pytest
import wtforms
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, form_data, to_formdata, validate_data
from forms.data import NON_FIELD_ERRORS
from tests.forms.conftest import AMOUNT, CHOICES, make_form

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
