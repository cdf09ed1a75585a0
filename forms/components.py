"""Reading single form-js components: the checks every component shares, and data fields.

:class:`ComponentReader` is the base of the form parser in :mod:`forms.schema`. It
collects problems as "<where>: <problem>" strings instead of raising, so one pass
over a schema reports everything that is wrong with it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from forms.conditions import Condition, ConditionSyntaxError, parse_condition
from forms.model import Choice, FieldKind, FieldSpec, Item, RequiredIf
from forms.validators import NAMED_VALIDATORS

__all__ = ["DATA_FIELD_TYPES", "FIELD_PROPERTIES", "RESERVED_KEYS", "ComponentReader"]

_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}", re.ASCII)
_MAX_DECIMAL_DIGITS = 10

RESERVED_KEYS = frozenset(
    {
        "meta",
        "data",
        "errors",
        "form_errors",
        "validate",
        "process",
        "populate_obj",
        "post_process",
        "csrf_token",
        "hidden_tag",
        "is_submitted",
        "validate_on_submit",
        "on_submit",
    }
)
"""Names a data key cannot take: attributes and hooks of WTForms and Flask-WTF forms."""

DATA_FIELD_TYPES: dict[str, FieldKind] = {
    "textfield": "text",
    "textarea": "textarea",
    "number": "number",
    "checkbox": "checkbox",
    "checklist": "checklist",
    "radio": "radio",
    "select": "select",
    "taglist": "taglist",
}
"""form-js component types that are plain data fields (datetime aside), and their kind."""
_DATETIME_SUBTYPES: dict[str, FieldKind] = {"date": "date", "time": "time", "datetime": "datetime"}
_CHOICE_KINDS = frozenset({"checklist", "radio", "select", "taglist"})
_TEXT_KINDS = frozenset({"text", "textarea"})

_VALIDATE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"required", "minLength", "maxLength", "pattern", "validationType"}),
    "textarea": frozenset({"required", "minLength", "maxLength", "pattern", "validationType"}),
    "number": frozenset({"required", "min", "max"}),
}
_REQUIRED_ONLY = frozenset({"required"})

FIELD_PROPERTIES = frozenset({"label_en", "description_en", "validator", "requiredIf"})
"""The ``properties`` a data field may carry."""

# Keys that would change behaviour in form-js in ways we cannot honour.
_UNSUPPORTED_KEYS = {
    "valuesKey": "options from input data (valuesKey) are not supported",
    "valuesExpression": "options from expressions (valuesExpression) are not supported",
}


def _is_expression(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


class ComponentReader:
    """Reads the components of one schema, collecting problems as it goes."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    @staticmethod
    def where(comp: object, fallback: str) -> str:
        if isinstance(comp, Mapping):
            for name in ("key", "path", "id"):
                value = comp.get(name)
                if isinstance(value, str) and value:
                    return f'component "{value}"'
        return fallback

    def properties(
        self, comp: Mapping[str, Any], where: str, allowed: frozenset[str]
    ) -> dict[str, str]:
        props = comp.get("properties", {})
        if not isinstance(props, Mapping):
            self.problem(where, "properties must be an object of strings")
            return {}
        result: dict[str, str] = {}
        for name, value in props.items():
            if name not in allowed:
                self.problem(where, f'unknown property "{name}"')
            elif not isinstance(value, str):
                self.problem(where, f'property "{name}" must be a string')
            else:
                result[name] = value
        return result

    def string(
        self, comp: Mapping[str, Any], name: str, where: str, *, required: bool = False
    ) -> str | None:
        value = comp.get(name)
        if value is None or value == "":
            if required:
                self.problem(where, f"{name} is required")
            return None
        if not isinstance(value, str):
            self.problem(where, f"{name} must be a string")
            return None
        if _is_expression(value):
            self.problem(where, f"{name}: FEEL expressions are not supported")
            return None
        return value

    def boolean(self, comp: Mapping[str, Any], name: str, where: str) -> bool:
        value = comp.get(name, False)
        if not isinstance(value, bool):
            self.problem(where, f"{name} must be true or false")
            return False
        return value

    def data_key(self, value: object, where: str, name: str = "key") -> str | None:
        if not isinstance(value, str) or not value:
            self.problem(where, f"{name} is required")
            return None
        if "." in value:
            self.problem(where, f'{name} "{value}": nested data paths are not supported')
            return None
        if not _KEY_RE.fullmatch(value):
            self.problem(
                where,
                f'{name} "{value}" must start with a letter and hold only letters, digits '
                "and underscores (at most 64)",
            )
            return None
        if value in RESERVED_KEYS:
            self.problem(where, f'{name} "{value}" is reserved')
            return None
        return value

    def unsupported(self, comp: Mapping[str, Any], where: str) -> None:
        for name, message in _UNSUPPORTED_KEYS.items():
            if comp.get(name) not in (None, "", {}):
                self.problem(where, message)
        for name in ("readonly", "disabled"):
            if comp.get(name) not in (None, False):
                self.problem(where, f"{name} is not supported")

    def check_keys(self, items: Iterable[Item], where: str) -> None:
        seen: set[str] = set()
        for item in items:
            if item.key in seen:
                self.problem(where, f'key "{item.key}" is used more than once')
            seen.add(item.key)

    def count(self, props: Mapping[str, str], name: str, where: str) -> int | None:
        value = props.get(name)
        if value is None:
            return None
        if not value.strip().isdigit():
            self.problem(where, f'{name} "{value}" must be a whole number')
            return None
        return int(value)

    def required_if(self, props: Mapping[str, str], where: str) -> RequiredIf | None:
        value = props.get("requiredIf")
        if value is None:
            return None
        other, sep, values = value.partition("=")
        choices = tuple(v.strip() for v in values.split("|") if v.strip())
        if not sep or not _KEY_RE.fullmatch(other.strip()) or not choices:
            self.problem(where, f'requiredIf "{value}" must look like other_key=value1|value2')
            return None
        return RequiredIf(key=other.strip(), values=choices)

    def hide_condition(self, comp: Mapping[str, Any], where: str) -> Condition | None:
        """The parsed ``conditional.hide`` of a component, or None when it has none.

        Only the syntax is checked here (see :mod:`forms.conditions`); the keys and
        literals a condition names are checked against the whole form later.
        ``{}`` and an empty ``hide`` count as no condition.
        """
        conditional = comp.get("conditional")
        if conditional is None:
            return None
        if not isinstance(conditional, Mapping):
            self.problem(where, 'conditional must be an object such as {"hide": "=key = true"}')
            return None
        for name in conditional:
            if name != "hide":
                self.problem(where, f'conditional "{name}" is not supported (only hide)')
        hide = conditional.get("hide")
        if hide is None or hide == "":
            return None
        if not isinstance(hide, str) or not _is_expression(hide):
            self.problem(where, 'conditional.hide must be a FEEL expression starting with "="')
            return None
        try:
            return parse_condition(hide)
        except ConditionSyntaxError as exc:
            self.problem(where, f"conditional.hide {json.dumps(hide, ensure_ascii=False)}: {exc}")
            return None

    def data_field(self, comp: Mapping[str, Any], where: str, *, in_row: bool) -> FieldSpec | None:
        kind = self.kind(comp, where)
        if kind is None:
            return None
        props = self.properties(comp, where, FIELD_PROPERTIES)
        rules = self.rules(comp, where, kind)
        key = self.data_key(comp.get("key"), where)
        label = self.label(comp, where)
        required_if = self.required_if(props, where)
        if required_if is not None and in_row:
            self.problem(where, "requiredIf is not supported inside a dynamic list")
        hide_if = self.hide_condition(comp, where)
        if hide_if is not None and in_row:
            self.problem(where, "conditional visibility is not supported inside a dynamic list")
        validators = self.validator_names(props, rules, kind, where)
        choices = self.choices(comp, where, kind)
        digits = self.decimal_digits(comp, where) if kind == "number" else 0
        description = self.string(comp, "description", where)
        if key is None or label is None:
            return None
        return FieldSpec(
            key=key,
            kind=kind,
            label=label,
            label_en=props.get("label_en"),
            description=description,
            description_en=props.get("description_en"),
            required=bool(rules.get("required")),
            required_if=None if in_row else required_if,
            min_length=rules.get("minLength"),
            max_length=rules.get("maxLength"),
            pattern=rules.get("pattern"),
            minimum=rules.get("min"),
            maximum=rules.get("max"),
            decimal_digits=digits,
            choices=choices,
            validators=validators,
            hide_if=None if in_row else hide_if,
        )

    def kind(self, comp: Mapping[str, Any], where: str) -> FieldKind | None:
        kind = comp.get("type")
        if kind in DATA_FIELD_TYPES:
            return DATA_FIELD_TYPES[kind]
        if kind == "datetime":
            subtype = comp.get("subtype")
            if subtype not in _DATETIME_SUBTYPES:
                self.problem(where, 'datetime subtype must be "date", "time" or "datetime"')
                return None
            return _DATETIME_SUBTYPES[subtype]
        self.problem(
            where, f"component type {json.dumps(kind, ensure_ascii=False)} is not supported"
        )
        return None

    def label(self, comp: Mapping[str, Any], where: str) -> str | None:
        if comp.get("type") == "datetime" and not comp.get("label"):
            for name in ("dateLabel", "timeLabel"):
                label = self.string(comp, name, where)
                if label:
                    return label
        return self.string(comp, "label", where, required=True)

    def decimal_digits(self, comp: Mapping[str, Any], where: str) -> int:
        digits = comp.get("decimalDigits", 0)
        if digits is None:
            return 0
        if (
            isinstance(digits, bool)
            or not isinstance(digits, int)
            or not 0 <= digits <= _MAX_DECIMAL_DIGITS
        ):
            self.problem(
                where, f"decimalDigits must be a whole number from 0 to {_MAX_DECIMAL_DIGITS}"
            )
            return 0
        return digits

    def validator_names(
        self, props: Mapping[str, str], rules: Mapping[str, Any], kind: str, where: str
    ) -> tuple[str, ...]:
        names = [name.strip() for name in props.get("validator", "").split(",") if name.strip()]
        if rules.get("validationType") == "email":
            names.append("email")
        if names and kind not in _TEXT_KINDS:
            self.problem(where, "named validators apply only to textfield and textarea")
            return ()
        for name in names:
            if name not in NAMED_VALIDATORS:
                self.problem(where, f'unknown validator "{name}"')
        return tuple(dict.fromkeys(name for name in names if name in NAMED_VALIDATORS))

    def choices(self, comp: Mapping[str, Any], where: str, kind: str) -> tuple[Choice, ...]:
        values = comp.get("values")
        if kind not in _CHOICE_KINDS:
            if values is not None:
                self.problem(where, f"values do not apply to {comp.get('type')}")
            return ()
        if values is None and kind == "taglist":
            return ()
        if not isinstance(values, list) or not values:
            self.problem(where, "values must be a non-empty list of {label, value}")
            return ()
        choices: list[Choice] = []
        for index, item in enumerate(values):
            choice = self.choice(item, f"{where} values[{index}]")
            if choice is None:
                continue
            if any(c.value == choice.value for c in choices):
                self.problem(where, f'choice value "{choice.value}" is used more than once')
                continue
            choices.append(choice)
        return tuple(choices)

    def choice(self, item: object, where: str) -> Choice | None:
        if not isinstance(item, Mapping):
            self.problem(where, "a choice must be an object with label and value")
            return None
        unknown = set(item) - {"label", "value", "label_en"}
        if unknown:
            self.problem(where, f"unknown choice keys: {', '.join(sorted(map(str, unknown)))}")
        value = item.get("value")
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            self.problem(where, "a choice value must be a non-empty string without outer spaces")
            return None
        label = self.string(item, "label", where, required=True)
        label_en = self.string(item, "label_en", where)
        if label is None:
            return None
        return Choice(value=value, label=label, label_en=label_en)

    def rules(self, comp: Mapping[str, Any], where: str, kind: str) -> dict[str, Any]:
        validate = comp.get("validate", {})
        if not isinstance(validate, Mapping):
            self.problem(where, "validate must be an object")
            return {}
        allowed = _VALIDATE_KEYS.get(kind, _REQUIRED_ONLY)
        rules: dict[str, Any] = {}
        for name, value in validate.items():
            if name not in allowed:
                self.problem(where, f'validation rule "{name}" is not supported here')
                continue
            parsed = self.rule(name, value, where)
            if parsed is not None:
                rules[name] = parsed
        self.check_bounds(rules, "minLength", "maxLength", where)
        self.check_bounds(rules, "min", "max", where)
        return rules

    def rule(self, name: str, value: object, where: str) -> Any:
        readers: dict[str, Callable[[object, str], Any]] = {
            "required": self.required_rule,
            "minLength": lambda v, w: self.length_rule(name, v, w),
            "maxLength": lambda v, w: self.length_rule(name, v, w),
            "min": lambda v, w: self.bound_rule(name, v, w),
            "max": lambda v, w: self.bound_rule(name, v, w),
            "pattern": self.pattern,
            "validationType": self.validation_type,
        }
        return readers[name](value, where)

    def required_rule(self, value: object, where: str) -> bool | None:
        if not isinstance(value, bool):
            self.problem(where, "validate.required must be true or false")
            return None
        return value

    def length_rule(self, name: str, value: object, where: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(where, f"validate.{name} must be a whole number")
            return None
        return value

    def bound_rule(self, name: str, value: object, where: str) -> Decimal | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.problem(where, f"validate.{name} must be a number")
            return None
        return Decimal(str(value))

    def validation_type(self, value: object, where: str) -> str | None:
        if value != "email":
            self.problem(where, f'validate.validationType "{value}" is not supported (only email)')
            return None
        return value

    def pattern(self, value: object, where: str) -> str | None:
        if not isinstance(value, str) or not value:
            self.problem(where, "validate.pattern must be a regular expression")
            return None
        try:
            re.compile(value)
        except re.error as exc:
            self.problem(where, f"validate.pattern is not a valid regular expression ({exc})")
            return None
        return value

    def check_bounds(self, rules: dict[str, Any], low: str, high: str, where: str) -> None:
        if low in rules and high in rules and rules[low] > rules[high]:
            self.problem(where, f"validate.{low} is greater than validate.{high}")
