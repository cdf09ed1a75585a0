"""Parsing form-js schemas: the built-in forms and every kind of schema error."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from forms import FormDefinition, FormSchemaError, parse_form
from forms.schema import parse_size
from tests.forms.conftest import make_form, make_schema

TEXT = {"type": "textfield", "key": "name", "label": "名称"}


def test_cinema_registration_fields_and_sections(cinema: FormDefinition) -> None:
    assert cinema.key == "cinema_registration"
    assert cinema.title == "电影院基础信息表"
    assert cinema.title_for("en") == "Cinema basic information"
    assert [f.key for f in cinema.fields] == [
        "name",
        "address",
        "division_code",
        "circuit",
        "halls",
        "contact_name",
        "contact_mobile",
    ]
    assert all(f.required for f in cinema.fields)
    assert cinema.field("division_code").validators == ("county_code",)
    assert cinema.field("contact_mobile").validators == ("mobile",)
    assert cinema.field("name").max_length == 100
    assert cinema.field("address").max_length == 200

    halls = cinema.field("halls")
    assert halls.kind == "list"
    assert (halls.min_items, halls.max_items) == (1, 50)
    seats = halls.child("seats")
    assert seats.kind == "number"
    assert seats.decimal_digits == 0
    assert (seats.minimum, seats.maximum) == (Decimal(1), Decimal(3000))
    assert halls.child("name").max_length == 50

    assert [s.label for s in cinema.sections] == ["基本信息", "影厅", "联系人", "证照材料"]
    assert cinema.sections[3].items == ("business_licence", "screening_licence")
    assert cinema.sections[1].label_for("en") == "Screening halls"


def test_cinema_registration_slots(cinema: FormDefinition) -> None:
    for key in ("business_licence", "screening_licence"):
        slot = cinema.slot(key)
        assert slot.accept == ("pdf", "jpg", "jpeg", "png")
        assert slot.max_size == 20 * 1024 * 1024
        assert slot.required
        assert not slot.multiple
        assert slot.accept_attribute == ".pdf,.jpg,.jpeg,.png"
    assert cinema.slot("screening_licence").label_for("en") == "Film screening licence"


def test_review_form(review: FormDefinition) -> None:
    decision = review.field("decision")
    assert decision.kind == "radio"
    assert decision.required
    assert [c.value for c in decision.choices] == ["approve", "return", "reject"]
    assert [c.label for c in decision.choices] == ["通过", "退回补正", "不予通过"]
    assert decision.choices[1].label_for("en") == "Return for correction"
    comment = review.field("comment")
    assert comment.kind == "textarea"
    assert not comment.required
    assert comment.max_length == 2000
    assert comment.required_if is not None
    assert comment.required_if.key == "decision"
    assert comment.required_if.values == ("return", "reject")
    assert review.sections[0].label is None


def test_lookups_raise_key_error(cinema: FormDefinition) -> None:
    with pytest.raises(KeyError):
        cinema.field("business_licence")
    with pytest.raises(KeyError):
        cinema.slot("name")
    assert cinema.item("business_licence") == cinema.slot("business_licence")


def test_same_schema_gives_equal_definitions(cinema: FormDefinition) -> None:
    again = parse_form(copy.deepcopy(cinema.schema))
    assert again == cinema
    assert again.digest == cinema.digest
    assert hash(again) == hash(cinema)


def test_schema_is_a_copy() -> None:
    schema = make_schema(TEXT)
    definition = parse_form(schema)
    schema["components"].clear()
    assert definition.schema["components"] == [TEXT]


def test_describe_is_json_ready(cinema: FormDefinition) -> None:
    described = json.loads(json.dumps(cinema.describe()))
    assert described["slots"][0]["accept"] == ["pdf", "jpg", "jpeg", "png"]
    halls = next(f for f in described["fields"] if f["key"] == "halls")
    assert [c["key"] for c in halls["children"]] == ["name", "seats"]
    assert halls["children"][1]["maximum"] == 3000


def test_texts_groups_and_loose_components_form_sections() -> None:
    definition = make_form(
        {
            "type": "text",
            "id": "intro",
            "text": "请如实填写。",
            "properties": {"text_en": "Be true."},
        },
        {"type": "group", "label": "甲", "components": [TEXT]},
        {"type": "checkbox", "key": "agree", "label": "我承诺"},
    )
    assert [(s.label, s.items) for s in definition.sections] == [
        (None, ("intro",)),
        ("甲", ("name",)),
        (None, ("agree",)),
    ]
    text = definition.texts[0]
    assert (text.text_for("zh"), text.text_for("en")) == ("请如实填写。", "Be true.")


def test_datetime_label_from_date_label() -> None:
    definition = make_form(
        {"type": "datetime", "key": "show", "subtype": "datetime", "dateLabel": "放映时间"}
    )
    assert definition.field("show").label == "放映时间"
    assert definition.field("show").kind == "datetime"


def test_email_validation_type_becomes_named_validator() -> None:
    definition = make_form({**TEXT, "validate": {"validationType": "email"}})
    assert definition.field("name").validators == ("email",)


@pytest.mark.parametrize(
    ("text", "size"),
    [("500KB", 500 * 1024), ("20MB", 20 * 1024**2), ("2GB", 2 * 1024**3), ("1.5 MiB", 1572864)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "big", "0MB", "-1MB", "20TB"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_filepicker_defaults_and_compound_extension() -> None:
    definition = make_form(
        {"type": "filepicker", "key": "pkg", "label": "安装包", "accept": ".ZIP, .tar.gz"}
    )
    slot = definition.slot("pkg")
    assert slot.accept == ("zip", "tar.gz")
    assert slot.max_size == 20 * 1024 * 1024
    assert not slot.required


BAD_COMPONENTS: list[tuple[dict[str, Any], str]] = [
    ({"type": "html", "key": "x", "label": "x"}, 'component type "html" is not supported'),
    ({"type": "expression", "key": "x", "label": "x"}, 'type "expression" is not supported'),
    ({**TEXT, "conditional": {"hide": "=true"}}, 'conditional.hide "=true": unexpected "true"'),
    ({**TEXT, "readonly": True}, "readonly is not supported"),
    ({**TEXT, "label": "=upper(x)"}, "FEEL expressions are not supported"),
    ({**TEXT, "label": ""}, "label is required"),
    ({**TEXT, "key": "a.b"}, "nested data paths are not supported"),
    ({**TEXT, "key": "名称"}, "must start with a letter"),
    ({**TEXT, "key": "meta"}, 'key "meta" is reserved'),
    ({**TEXT, "properties": {"validator": "iban"}}, 'unknown validator "iban"'),
    ({**TEXT, "properties": {"colour": "red"}}, 'unknown property "colour"'),
    ({**TEXT, "properties": {"label_en": 5}}, 'property "label_en" must be a string'),
    ({**TEXT, "validate": {"minItems": 1}}, 'validation rule "minItems" is not supported'),
    ({**TEXT, "validate": {"maxLength": "10"}}, "validate.maxLength must be a whole number"),
    ({**TEXT, "validate": {"minLength": 5, "maxLength": 2}}, "minLength is greater than"),
    ({**TEXT, "validate": {"pattern": "("}}, "not a valid regular expression"),
    ({**TEXT, "validate": {"validationType": "phone"}}, 'validationType "phone" is not supported'),
    ({**TEXT, "validate": {"required": "yes"}}, "validate.required must be true or false"),
    ({"type": "number", "key": "n", "label": "n", "validate": {"minLength": 1}}, "not supported"),
    ({"type": "number", "key": "n", "label": "n", "decimalDigits": -1}, "decimalDigits must be"),
    ({"type": "number", "key": "n", "label": "n", "validate": {"min": "1"}}, "must be a number"),
    (
        {"type": "number", "key": "n", "label": "n", "properties": {"validator": "mobile"}},
        "named validators apply only to textfield and textarea",
    ),
    ({"type": "select", "key": "s", "label": "s"}, "values must be a non-empty list"),
    (
        {"type": "select", "key": "s", "label": "s", "valuesKey": "options"},
        "valuesKey) are not supported",
    ),
    (
        {
            "type": "radio",
            "key": "r",
            "label": "r",
            "values": [{"label": "a", "value": "a"}, {"label": "b", "value": "a"}],
        },
        'choice value "a" is used more than once',
    ),
    (
        {"type": "radio", "key": "r", "label": "r", "values": [{"label": "a", "value": 1}]},
        "a choice value must be a non-empty string",
    ),
    ({"type": "datetime", "key": "d", "label": "d", "subtype": "week"}, "subtype must be"),
    (
        {"type": "group", "label": "g", "path": "address", "components": [TEXT]},
        "group path (nested data) is not supported",
    ),
    (
        {"type": "group", "label": "g", "components": [{"type": "group", "components": []}]},
        "groups cannot be nested",
    ),
    ({"type": "filepicker", "key": "f", "label": "f"}, "accept is required"),
    (
        {"type": "filepicker", "key": "f", "label": "f", "accept": "image/*"},
        'accept entry "image/*" is not a file extension',
    ),
    (
        {
            "type": "filepicker",
            "key": "f",
            "label": "f",
            "accept": ".pdf",
            "properties": {"maxSize": "big"},
        },
        'maxSize "big" is not a size',
    ),
    ({"type": "dynamiclist", "label": "l", "components": [TEXT]}, "path is required"),
    ({"type": "dynamiclist", "path": "l", "label": "l", "components": []}, "needs row components"),
    (
        {
            "type": "dynamiclist",
            "path": "l",
            "label": "l",
            "components": [{"type": "filepicker", "key": "f", "label": "f", "accept": ".pdf"}],
        },
        "a dynamic list row holds only data fields",
    ),
    (
        {
            "type": "dynamiclist",
            "path": "l",
            "label": "l",
            "components": [TEXT],
            "properties": {"minItems": "x"},
        },
        'minItems "x" must be a whole number',
    ),
    (
        {
            "type": "dynamiclist",
            "path": "l",
            "label": "l",
            "components": [TEXT],
            "properties": {"minItems": "3", "maxItems": "2"},
        },
        "minItems is greater than maxItems",
    ),
    (
        {"type": "dynamiclist", "path": "l", "label": "l", "components": [TEXT, TEXT]},
        'key "name" is used more than once',
    ),
    ({**TEXT, "properties": {"requiredIf": "decision"}}, "must look like other_key=value1|value2"),
    ({**TEXT, "properties": {"requiredIf": "nothing=x"}}, 'requiredIf names "nothing"'),
]


@pytest.mark.parametrize(("component", "message"), BAD_COMPONENTS)
def test_schema_error_kinds(component: dict[str, Any], message: str) -> None:
    with pytest.raises(FormSchemaError) as info:
        make_form(component)
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_schema_error_names_the_component() -> None:
    with pytest.raises(FormSchemaError) as info:
        make_form({**TEXT, "key": "title", "properties": {"validator": "iban"}})
    assert info.value.problems == ['component "title": unknown validator "iban"']


def test_row_errors_name_the_list_and_row_field() -> None:
    row = {"type": "number", "key": "seats", "label": "座位", "validate": {"min": "1"}}
    component = {"type": "dynamiclist", "path": "halls", "label": "影厅", "components": [row]}
    with pytest.raises(FormSchemaError) as info:
        make_form(component)
    assert info.value.problems == ['component "halls.seats": validate.min must be a number']


def test_required_if_value_must_be_a_choice() -> None:
    decision = {
        "type": "radio",
        "key": "decision",
        "label": "d",
        "values": [{"label": "a", "value": "approve"}],
    }
    comment = {**TEXT, "key": "comment", "properties": {"requiredIf": "decision=maybe"}}
    with pytest.raises(FormSchemaError, match='requiredIf value "maybe" is not a choice'):
        make_form(decision, comment)


def test_duplicate_keys_across_fields_and_slots() -> None:
    slot = {"type": "filepicker", "key": "name", "label": "f", "accept": ".pdf"}
    with pytest.raises(FormSchemaError, match='key "name" is used more than once'):
        make_form(TEXT, slot)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FormSchemaError) as info:
        make_form(
            {"type": "html", "key": "a", "label": "a"},
            {**TEXT, "key": "b", "conditional": {"hide": "=x"}},
            {"type": "group", "label": "g", "path": "p", "components": []},
            {"type": "select", "key": "c", "label": "c"},
        )
    problems = info.value.problems
    assert len(problems) == 4
    for name in ('"a"', '"b"', '"p"', '"c"'):
        assert any(name in problem for problem in problems), (name, problems)
    assert "invalid form schema" in str(info.value)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ([], "form schema must be a JSON object"),
        (make_schema(TEXT, type="custom"), 'type must be "default"'),
        ({"type": "default", "components": []}, "id must be a form key"),
        (make_schema(TEXT, id="bad id"), "id must be a form key"),
        (make_schema(TEXT, schemaVersion="16"), "schemaVersion must be an integer"),
        ({"type": "default", "id": "x", "components": {}}, "components must be a list"),
        (make_schema(TEXT, properties={"owner": "me"}), 'unknown property "owner"'),
    ],
)
def test_form_level_errors(schema: Any, message: str) -> None:
    with pytest.raises(FormSchemaError) as info:
        parse_form(schema)
    assert any(message in problem for problem in info.value.problems), info.value.problems
