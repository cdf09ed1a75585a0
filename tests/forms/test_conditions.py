"""Hide conditions: parsing the FEEL subset and checking them in schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from forms.conditions import (
    AllOf,
    AnyOf,
    Comparison,
    ConditionSyntaxError,
    Not,
    parse_condition,
)
from tests.forms.conditional_forms import (
    COUNT,
    HALLS,
    KIND,
    NOTE,
    OPENED,
    PERMIT,
    TOPICS,
    URGENT,
    hide,
    problems_of,
)
from tests.forms.conftest import make_form

# -- parsing the expression ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ('=kind = "other"', Comparison("kind", "other")),
        ('=kind != "other"', Comparison("kind", "other", negated=True)),
        ("=urgent = true", Comparison("urgent", True)),
        ("=urgent=false", Comparison("urgent", False)),
        ("=count = 123", Comparison("count", Decimal(123))),
        ("=count != -1.5", Comparison("count", Decimal("-1.5"), negated=True)),
        ("=note = null", Comparison("note", None)),
        ("=note != null", Comparison("note", None, negated=True)),
        ('=note = "其他"', Comparison("note", "其他")),
        (r'=note = "say \"hi\" \\ bye"', Comparison("note", 'say "hi" \\ bye')),
        (
            '=kind = "a" or urgent = true and count = 1',
            AnyOf(
                (
                    Comparison("kind", "a"),
                    AllOf((Comparison("urgent", True), Comparison("count", Decimal(1)))),
                )
            ),
        ),
        (
            '=(kind = "a" or urgent = true) and count = 1',
            AllOf(
                (
                    AnyOf((Comparison("kind", "a"), Comparison("urgent", True))),
                    Comparison("count", Decimal(1)),
                )
            ),
        ),
        (
            '=not(kind = "a") and not (not(urgent = true))',
            AllOf((Not(Comparison("kind", "a")), Not(Not(Comparison("urgent", True))))),
        ),
        ('=\n  ((kind = "a"))\n', Comparison("kind", "a")),
    ],
)
def test_parse_good_expressions(text: str, condition: Any) -> None:
    assert parse_condition(text) == condition


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "a"', 'must start with "="'),
        ("=", "the expression is empty"),
        ("=   ", "the expression is empty"),
        ("=true", 'unexpected "true" (at character 2): expected a field key'),
        ("=kind", 'expected = or != after "kind"'),
        ("=kind =", "expected a string, number, true, false or null"),
        ("=kind = other", 'unexpected "other" (at character 9)'),
        ('=kind > "a"', "only = and != comparisons are supported"),
        ('=kind <= "a"', "only = and != comparisons are supported"),
        ('=kind = "a" urgent = true', "expected and, or or the end"),
        ('=kind = "a" and', "the expression ends too early"),
        ('=kind = "a" and or urgent = true', 'unexpected "or"'),
        ('=contains(kind, "a")', "function calls other than not(...) are not supported"),
        ("=is defined(kind)", 'unexpected "defined"'),
        ("=a.b = 1", "nested paths"),
        ('=kind = "open', "a string is not closed"),
        (r'=kind = "a\n"', "a string is not closed"),
        ("=kind = 'a'", "not part of the supported expressions"),
        ("=count = 1e3", "not part of the supported expressions"),
        ("=count = 1.2.3", "not part of the supported expressions"),
        ("=count = [1]", "lists and filters are not supported"),
        ('=(kind = "a"', 'expected ")"'),
        ('=kind = "a")', 'unexpected ")"'),
        ('=not kind = "a"', 'expected "("'),
        ("=" + "(" * 21 + "count = 1" + ")" * 21, "more than 20 nested parentheses"),
        ("=" + "count = 1 or " * 200 + "count = 1", "longer than 2000 characters"),
    ],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ('=kind = "a"', {"kind": "a"}, True),
        ('=kind = "a"', {"kind": "A"}, False),
        ('=kind = "a"', {}, False),
        ('=kind = "a"', {"kind": ["a"]}, False),
        ('=kind != "a"', {}, True),
        ("=count = 1.5", {"count": "1.50"}, True),
        ("=count = 1.5", {"count": Decimal("1.5")}, True),
        ("=count = 2", {"count": 2}, True),
        ("=count = 2", {"count": 2.0}, True),
        ("=count = 2", {"count": "2"}, True),
        ("=count = 1", {"count": True}, False),
        ("=count = 1", {"count": "one"}, False),
        ("=count != 1", {"count": None}, True),
        ("=urgent = true", {"urgent": True}, True),
        ("=urgent = true", {"urgent": "true"}, False),
        ("=urgent = false", {}, True),
        ("=urgent = false", {"urgent": False}, True),
        ("=urgent = false", {"urgent": 0}, False),
        ("=note = null", {}, True),
        ("=note = null", {"note": ""}, True),
        ("=note = null", {"note": "x"}, False),
        ("=note != null", {"note": 0}, True),
        ('=not(kind = "a" or urgent = true)', {"kind": "b"}, True),
        ('=not(kind = "a" or urgent = true)', {"kind": "b", "urgent": True}, False),
    ],
)
def test_applies(text: str, data: dict[str, Any], expected: bool) -> None:
    assert parse_condition(text).applies(data) is expected


def test_json_form_for_pages() -> None:
    condition = parse_condition('=not(kind != "a") or (count = 1.5 and note = null)')
    assert condition.to_json() == {
        "op": "or",
        "args": [
            {"op": "not", "arg": {"op": "!=", "key": "kind", "value": "a"}},
            {
                "op": "and",
                "args": [
                    {"op": "=", "key": "count", "value": 1.5},
                    {"op": "=", "key": "note", "value": None},
                ],
            },
        ],
    }
    assert parse_condition("=count = 3").to_json()["value"] == 3
    assert parse_condition('=kind = "a" and note = null').field_keys() == {"kind", "note"}


# -- the schema ------------------------------------------------------------------------------


def test_every_kind_of_component_may_be_conditional() -> None:
    definition = make_form(
        KIND,
        hide(NOTE, '=kind = "cinema"'),
        hide(HALLS, '=kind != "cinema"'),
        hide(PERMIT, "=urgent = false"),
        hide({"type": "text", "key": "notice", "text": "说明"}, "=count = null"),
        {
            "type": "group",
            "id": "extra",
            "label": "加急",
            "conditional": {"hide": '=kind = "other"'},
            "components": [URGENT, COUNT],
        },
    )
    assert definition.field("note").hide_if == Comparison("kind", "cinema")
    assert definition.field("halls").hide_if == Comparison("kind", "cinema", negated=True)
    assert definition.slot("permit").hide_if == Comparison("urgent", False)
    assert definition.item("notice").hide_if == Comparison("count", None)
    assert definition.sections[-1].hide_if == Comparison("kind", "other")
    assert definition.field("urgent").hide_if is None
    assert definition.field("kind").hide_if is None
    described = definition.describe()
    assert described["fields"][1]["hide_if"] == {"op": "=", "key": "kind", "value": "cinema"}
    assert described["slots"][0]["hide_if"] == {"op": "=", "key": "urgent", "value": False}
    assert described["texts"][0]["hide_if"] == {"op": "=", "key": "count", "value": None}
    assert described["sections"][-1]["hide_if"] == {"op": "=", "key": "kind", "value": "other"}
    assert described["fields"][0]["hide_if"] is None


@pytest.mark.parametrize("conditional", [{}, {"hide": ""}])
def test_empty_conditional_is_no_condition(conditional: dict[str, Any]) -> None:
    definition = make_form({**NOTE, "conditional": conditional})
    assert definition.field("note").hide_if is None


BAD_CONDITIONS: list[tuple[list[dict[str, Any]], str, str]] = [
    ([hide(NOTE, "=nope = 1")], "note", '"nope" is not a data field of this form'),
    ([HALLS, hide(NOTE, "=seats = 1")], "note", '"seats" is not a data field'),
    ([PERMIT, hide(NOTE, "=permit != null")], "note", '"permit" is not a data field'),
    ([TOPICS, hide(NOTE, '=topics = "a"')], "note", '"topics" holds a list'),
    ([HALLS, hide(NOTE, "=halls = null")], "note", '"halls" holds a list'),
    ([URGENT, hide(NOTE, '=urgent = "true"')], "note", "compare it with true or false"),
    ([URGENT, hide(NOTE, "=urgent = null")], "note", "compare it with true or false"),
    ([COUNT, hide(NOTE, '=count = "1"')], "note", "compare it with a number or null"),
    (
        [hide(NOTE, "=note2 = 1"), {**NOTE, "key": "note2"}],
        "note",
        'holds text: compare it with a "string"',
    ),
    ([KIND, hide(NOTE, "=kind = true")], "note", 'holds text: compare it with a "string"'),
    ([KIND, hide(NOTE, '=kind = "shop"')], "note", '"shop" is not a choice of kind'),
    (
        [OPENED, hide(NOTE, '=opened = "2024-01-01"')],
        "note",
        "is a date: compare it with null only",
    ),
    ([hide(NOTE, '=note = "x"')], "note", '"note" is hidden by this very condition'),
    ([KIND, hide(NOTE, '=kind = "x" or kind = "y"')], "note", '"x" is not a choice of kind'),
    ([hide(NOTE, "=true")], "note", 'conditional.hide "=true": unexpected "true"'),
    ([hide(NOTE, 'kind = "other"')], "note", 'must be a FEEL expression starting with "="'),
    ([hide(NOTE, True)], "note", 'must be a FEEL expression starting with "="'),
    ([{**NOTE, "conditional": "=x = 1"}], "note", "conditional must be an object"),
    ([{**NOTE, "conditional": {"show": "=x = 1"}}], "note", 'conditional "show" is not supported'),
    (
        [
            {
                **HALLS,
                "components": [
                    COUNT,
                    hide({"type": "number", "key": "seats", "label": "座位数"}, "=count = 1"),
                ],
            }
        ],
        "halls.seats",
        "conditional visibility is not supported inside a dynamic list",
    ),
    (
        [
            {
                "type": "group",
                "id": "extra",
                "label": "加急",
                "conditional": {"hide": "=urgent = true"},
                "components": [URGENT, NOTE],
            }
        ],
        "extra",
        '"urgent" is hidden by this very condition',
    ),
    (
        [hide(NOTE, '=other_note = "x"'), hide({**NOTE, "key": "other_note"}, '=note = "y"')],
        "note",
        "conditions depend on each other in a cycle: note → other_note → note",
    ),
]


@pytest.mark.parametrize(("components", "where", "message"), BAD_CONDITIONS)
def test_bad_conditions_name_their_component(
    components: list[dict[str, Any]], where: str, message: str
) -> None:
    problems = problems_of(*components)
    assert any(p.startswith(f'component "{where}": ') and message in p for p in problems), problems


def test_a_cycle_through_a_group() -> None:
    problems = problems_of(
        hide(URGENT, "=count = 1"),
        {
            "type": "group",
            "id": "extra",
            "label": "加急",
            "conditional": {"hide": "=urgent = true"},
            "components": [COUNT],
        },
    )
    assert problems == [
        'component "count": conditional.hide: conditions depend on each other in a cycle: '
        "count → urgent → count"
    ]


def test_condition_problems_are_reported_with_the_rest() -> None:
    problems = problems_of(
        hide(NOTE, "=nope = 1"),
        hide({**NOTE, "key": "b"}, "=note >= 1"),
        {"type": "html", "key": "c", "label": "c"},
        hide(PERMIT, "=note = 1"),
    )
    assert len(problems) == 4, problems
    assert problems[0] == (
        'component "b": conditional.hide "=note >= 1": unexpected \'>\' at character 7: '
        "only = and != comparisons are supported"
    )
    assert problems[1].startswith('component "c": component type "html"')
    assert problems[2] == (
        'component "note": conditional.hide: "nope" is not a data field of this form '
        "outside dynamic lists"
    )
    assert problems[3].startswith('component "permit": conditional.hide: "note" holds text')
