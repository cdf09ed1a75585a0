"""Hidden fields: dropped and not required when validated, skipped by pages, and the
slots they hide."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from forms import (
    FormDefinition,
    build_form_class,
    form_data,
    form_errors,
    hidden_fields,
    validate_data,
)
from tests.forms.conditional_forms import (
    COUNT,
    HALLS,
    KIND,
    NOTE,
    PERMIT,
    REQUIRED,
    TOPICS,
    URGENT,
    hide,
)
from tests.forms.conftest import make_form

# -- validation --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def application() -> FormDefinition:
    """A kind; details only for "other"; a checkbox that hides a required email."""
    return make_form(
        {**KIND, "validate": {"required": True}},
        hide(
            {**NOTE, "key": "details", "validate": {"required": True, "minLength": 3}},
            '=kind != "other"',
        ),
        {**URGENT, "key": "by_post"},
        hide(
            {**NOTE, "key": "email", "validate": {"required": True, "validationType": "email"}},
            "=by_post = true",
        ),
        hide(COUNT, "=details = null", validate={"min": 1}),
        hide(TOPICS, '=kind = "cinema"'),
        hide({**HALLS, "properties": {"minItems": "1"}}, '=kind = "cinema"'),
        {**PERMIT, "validate": {"required": True}, "conditional": {"hide": '=kind = "cinema"'}},
        {**PERMIT, "key": "licence", "validate": {"required": True}},
    )


def test_hidden_fields_are_dropped_and_not_required(application: FormDefinition) -> None:
    data = {
        "kind": "cinema",
        "details": "x",
        "by_post": True,
        "email": "not an email",
        "count": 0,
        "topics": ["zzz"],
        "halls": [{"seats": "many"}],
    }
    clean, errors = validate_data(application, data)
    assert errors == {}
    assert clean == {
        "kind": "cinema",
        "details": None,
        "by_post": True,
        "email": None,
        "count": None,
        "topics": [],
        "halls": [],
    }


def test_visible_fields_are_still_validated(application: FormDefinition) -> None:
    clean, errors = validate_data(
        application,
        {"kind": "other", "details": "ab", "count": 0, "topics": ["zzz"], "halls": []},
    )
    assert errors == {
        "details": ["Field must be at least 3 characters long."],
        "email": [REQUIRED],
        "count": ["Number must be at least 1."],
        "topics": ["'zzz' is not a valid choice for this field."],
        "halls": ["At least 1 row is required."],
    }
    assert clean["details"] == "ab"
    assert clean["count"] == 0


def test_wrong_json_types_of_hidden_fields_are_ignored(application: FormDefinition) -> None:
    clean, errors = validate_data(
        application, {"kind": "cinema", "details": 5, "topics": "a", "halls": {}}
    )
    assert errors == {"email": [REQUIRED]}
    assert clean["details"] is None
    assert clean["topics"] == []
    _, errors = validate_data(application, {"kind": "other", "details": 5})
    assert errors["details"] == ["Expected a string."]


def test_hiding_cascades(application: FormDefinition) -> None:
    # details is hidden (kind is not "other"), so count sees it as null and hides too.
    clean, errors = validate_data(
        application, {"kind": "cinema", "details": "long enough", "count": 0, "by_post": True}
    )
    assert errors == {}
    assert clean["count"] is None
    assert application.hidden_keys({"kind": "cinema", "details": "long enough"}) >= {
        "details",
        "count",
    }
    assert "count" not in application.hidden_keys({"kind": "other", "details": "long enough"})


def test_draft_drops_hidden_values_too(application: FormDefinition) -> None:
    clean, errors = validate_data(application, {"kind": "cinema", "details": "ab"}, draft=True)
    assert errors == {}
    assert clean["details"] is None


def test_clean_data_validates_to_itself(application: FormDefinition) -> None:
    data = {"kind": "other", "details": "long enough", "by_post": True, "count": 2}
    data.update({"topics": ["a"], "halls": [{"seats": 10}]})
    clean, errors = validate_data(application, data)
    assert errors == {}
    assert validate_data(application, clean) == (clean, {})


@pytest.fixture(scope="module")
def required_if_form() -> FormDefinition:
    return make_form(
        KIND,
        URGENT,
        hide(
            {**NOTE, "key": "reason", "properties": {"requiredIf": "kind=other"}},
            "=urgent = true",
        ),
        hide(COUNT, '=kind = "cinema"'),
        {**NOTE, "key": "how_many", "properties": {"requiredIf": "count=5"}},
        hide({**NOTE, "key": "plan"}, "=urgent = false"),
        {**NOTE, "key": "plan_owner", "properties": {"requiredIf": "urgent=true"}},
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "other"}, {"reason": [REQUIRED]}),
        ({"kind": "other", "urgent": True}, {"plan_owner": [REQUIRED]}),
        ({"kind": "cinema"}, {}),
        ({"kind": "other", "count": 5}, {"reason": [REQUIRED], "how_many": [REQUIRED]}),
        # count is hidden, so requiredIf "count=5" sees it as empty.
        ({"kind": "cinema", "count": 5}, {}),
    ],
)
def test_required_if_and_hide(
    required_if_form: FormDefinition, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    assert validate_data(required_if_form, data)[1] == errors


def test_group_condition_hides_its_items() -> None:
    definition = make_form(
        KIND,
        {
            "type": "group",
            "id": "cinema_only",
            "label": "影院信息",
            "conditional": {"hide": '=kind != "cinema"'},
            "components": [
                {**NOTE, "validate": {"required": True}},
                {**PERMIT, "validate": {"required": True}},
            ],
        },
    )
    assert definition.hidden_keys({"kind": "other"}) == {"note", "permit"}
    assert definition.hidden_keys({"kind": "cinema"}) == frozenset()
    assert validate_data(definition, {"kind": "other", "note": "x"}) == (
        {"kind": "other", "note": None},
        {},
    )
    assert validate_data(definition, {"kind": "cinema"})[1] == {"note": [REQUIRED]}


# -- pages: the compiled form itself ---------------------------------------------------------


def test_page_submission_skips_hidden_fields(application: FormDefinition) -> None:
    form_class = build_form_class(application, with_files=True)
    form = form_class(
        formdata=MultiDict(
            [("kind", "cinema"), ("details", "x"), ("halls-0-seats", "many"), ("topics", "zzz")]
        )
    )
    assert hidden_fields(form) == {"details", "count", "topics", "halls", "permit"}
    assert form.validate() is False
    assert form_errors(form) == {"email": [REQUIRED]}
    form = form_class(formdata=MultiDict([("kind", "cinema"), ("details", "x"), ("by_post", "y")]))
    assert form.validate() is True
    assert form_data(form)["details"] is None
    form = form_class(formdata=MultiDict([("kind", "other"), ("details", "x"), ("by_post", "y")]))
    assert form.validate() is False
    assert form_errors(form) == {
        "details": ["Field must be at least 3 characters long."],
        "halls": ["At least 1 row is required."],
    }


def test_conditional_fields_have_no_html_required_flag(application: FormDefinition) -> None:
    form = build_form_class(application)()
    assert form["kind"].flags.required
    assert not form["details"].flags.required
    assert not form["email"].flags.required
    assert "required" not in form["details"]()
    assert "required" in form["kind"]()


def test_conditional_list_rows_have_no_html_required_flag() -> None:
    row_field = {
        "type": "number",
        "key": "seats",
        "label": "座位数",
        "validate": {"required": True},
    }
    plain = make_form({**HALLS, "properties": {"minItems": "1"}, "components": [row_field]})
    conditional = make_form(
        URGENT,
        hide(
            {**HALLS, "properties": {"minItems": "1"}, "components": [row_field]}, "=urgent = true"
        ),
    )
    assert "required" in build_form_class(plain)()["halls"].entries[0].form["seats"]()
    assert "required" not in build_form_class(conditional)()["halls"].entries[0].form["seats"]()


# -- document slots ------------------------------------------------------------------------


def test_hidden_keys_tells_which_slots_are_not_required(application: FormDefinition) -> None:
    def missing(data: dict[str, Any], uploaded: set[str]) -> list[str]:
        hidden = application.hidden_keys(data)
        return [
            slot.key
            for slot in application.slots
            if slot.required and slot.key not in hidden and slot.key not in uploaded
        ]

    assert missing({"kind": "cinema"}, set()) == ["licence"]
    assert missing({"kind": "other"}, set()) == ["permit", "licence"]
    assert missing({"kind": "other"}, {"permit", "licence"}) == []
    assert missing({}, set()) == ["permit", "licence"]


def test_hidden_keys_reads_clean_data(application: FormDefinition) -> None:
    clean, errors = validate_data(application, {"kind": "cinema", "by_post": True})
    assert errors == {}
    assert application.hidden_keys(clean) == {
        "details",
        "email",
        "count",
        "topics",
        "halls",
        "permit",
    }


def test_forms_without_conditions_hide_nothing() -> None:
    definition = make_form(KIND, {**PERMIT, "validate": {"required": True}})
    assert definition.hide_rules() == {}
    assert definition.hidden_keys({"kind": "other"}) == frozenset()
    assert hidden_fields(build_form_class(definition)()) == frozenset()
