"""The parsed, immutable shape of a form definition.

:func:`forms.schema.parse_form` turns a bpmn.io form-js schema into these objects;
the compiler, the data helpers and the portal read them. They never refer back to
form-js: everything the rest of the portal needs is spelled out here.

Fields, slots, texts and sections may carry ``hide_if``, a parsed form-js
``conditional.hide`` (see :mod:`forms.conditions`);
:meth:`FormDefinition.hidden_keys` says what is hidden for given data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from forms.conditions import Condition

FieldKind = Literal[
    "text",
    "textarea",
    "number",
    "checkbox",
    "checklist",
    "radio",
    "select",
    "taglist",
    "date",
    "time",
    "datetime",
    "list",
]

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
"""Size limit of a document slot whose definition names none: 20 MiB."""


def is_english(locale: str) -> bool:
    """Whether ``locale`` asks for the English texts ("en", "en_US", "en-GB").

    Every other locale gets the Chinese texts, the portal's default language.
    """
    return locale.lower().replace("-", "_").split("_")[0] == "en"


def _localized(text: str, text_en: str | None, locale: str) -> str:
    if text_en and is_english(locale):
        return text_en
    return text


@dataclass(frozen=True)
class Choice:
    """One option of a checklist, radio, select or taglist field."""

    value: str
    label: str
    label_en: str | None = None

    def label_for(self, locale: str) -> str:
        """The label in ``locale``, falling back to the Chinese label."""
        return _localized(self.label, self.label_en, locale)


@dataclass(frozen=True)
class RequiredIf:
    """A field is required when the top-level field ``key`` has one of ``values``."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    """One data field: a key in the application's JSON data.

    ``kind`` decides the JSON type of the value: strings for text, textarea, radio,
    select, date, time and datetime (ISO 8601); an int, or a string with exactly
    ``decimal_digits`` decimals, for number; a bool for checkbox; a list of strings
    for checklist and taglist; a list of row objects (keys from ``children``) for list.

    ``hide_if`` hides the field (only top-level fields have one): see
    :meth:`FormDefinition.hidden_keys`.
    """

    key: str
    kind: FieldKind
    label: str
    label_en: str | None = None
    description: str | None = None
    description_en: str | None = None
    required: bool = False
    required_if: RequiredIf | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimal_digits: int = 0
    choices: tuple[Choice, ...] = ()
    validators: tuple[str, ...] = ()
    children: tuple[FieldSpec, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    hide_if: Condition | None = None

    def label_for(self, locale: str) -> str:
        """The label in ``locale``, falling back to the Chinese label."""
        return _localized(self.label, self.label_en, locale)

    def description_for(self, locale: str) -> str | None:
        """The help text in ``locale``, falling back to the Chinese one."""
        if self.description is None:
            return None
        return _localized(self.description, self.description_en, locale)

    def choice_label(self, value: str, locale: str) -> str:
        """The label of the choice ``value`` in ``locale``; ``value`` itself if no choice has it."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label_for(locale)
        return value

    def child(self, key: str) -> FieldSpec:
        """The row field ``key`` of a list field.

        :raise KeyError: no such row field.
        """
        for spec in self.children:
            if spec.key == key:
                return spec
        raise KeyError(key)


@dataclass(frozen=True)
class DocumentSlot:
    """A place for uploaded documents; not part of the JSON data.

    ``accept`` lists lowercase file extensions without the dot ("pdf", "tar.gz");
    the storage layer judges an upload by its content against them. ``max_size``
    is in bytes. A slot hidden by ``hide_if`` (or by its section's) is not
    required, whatever ``required`` says: see :meth:`FormDefinition.hidden_keys`.
    """

    key: str
    label: str
    label_en: str | None
    accept: tuple[str, ...]
    max_size: int = DEFAULT_MAX_SIZE
    required: bool = False
    multiple: bool = False
    description: str | None = None
    description_en: str | None = None
    hide_if: Condition | None = None

    def label_for(self, locale: str) -> str:
        """The label in ``locale``, falling back to the Chinese label."""
        return _localized(self.label, self.label_en, locale)

    def description_for(self, locale: str) -> str | None:
        """The help text in ``locale``, falling back to the Chinese one."""
        if self.description is None:
            return None
        return _localized(self.description, self.description_en, locale)

    @property
    def accept_attribute(self) -> str:
        """The HTML ``accept`` attribute value, e.g. ``".pdf,.jpg"``."""
        return ",".join(f".{ext}" for ext in self.accept)


@dataclass(frozen=True)
class StaticText:
    """Display-only text (markdown) such as the wording of a commitment letter."""

    key: str
    text: str
    text_en: str | None = None
    hide_if: Condition | None = None

    def text_for(self, locale: str) -> str:
        """The text in ``locale``, falling back to the Chinese text."""
        return _localized(self.text, self.text_en, locale)


@dataclass(frozen=True)
class Section:
    """A fieldset of the page: keys of fields, slots and texts, in display order.

    Top-level components outside any group form sections without a label. A
    section's ``hide_if`` (a form-js group's condition) hides all its items.
    """

    label: str | None
    label_en: str | None
    items: tuple[str, ...]
    hide_if: Condition | None = None

    def label_for(self, locale: str) -> str | None:
        """The label in ``locale``, falling back to the Chinese label."""
        if self.label is None:
            return None
        return _localized(self.label, self.label_en, locale)


Item = FieldSpec | DocumentSlot | StaticText


@dataclass(frozen=True)
class FormDefinition:
    """A parsed form: what :func:`forms.schema.parse_form` returns.

    Two definitions parsed from the same schema compare equal; ``digest`` is the
    SHA-256 of the schema's canonical JSON and identifies it in caches.
    """

    key: str
    title: str
    title_en: str | None
    fields: tuple[FieldSpec, ...]
    slots: tuple[DocumentSlot, ...]
    sections: tuple[Section, ...]
    schema: dict[str, Any] = field(compare=False, hash=False, repr=False)
    texts: tuple[StaticText, ...] = ()
    digest: str = ""

    def title_for(self, locale: str) -> str:
        """The title in ``locale``, falling back to the Chinese title."""
        return _localized(self.title, self.title_en, locale)

    def field(self, key: str) -> FieldSpec:
        """The top-level data field ``key``.

        :raise KeyError: no such field.
        """
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def slot(self, key: str) -> DocumentSlot:
        """The document slot ``key``.

        :raise KeyError: no such slot.
        """
        for slot in self.slots:
            if slot.key == key:
                return slot
        raise KeyError(key)

    def item(self, key: str) -> Item:
        """The field, slot or text named ``key`` in a section's ``items``.

        :raise KeyError: nothing of that name.
        """
        candidates: tuple[Item, ...] = (*self.fields, *self.slots, *self.texts)
        for candidate in candidates:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def hide_rules(self) -> dict[str, tuple[Condition, ...]]:
        """The hide conditions of each conditional field, slot and text, by key.

        An item's own condition comes first, then its section's. Items without
        any condition are left out.
        """
        rules: dict[str, tuple[Condition, ...]] = {}
        for section in self.sections:
            for key in section.items:
                own = self.item(key).hide_if
                found = tuple(c for c in (own, section.hide_if) if c is not None)
                if found:
                    rules[key] = found
        return rules

    def hidden_keys(self, data: Mapping[str, Any]) -> frozenset[str]:
        """Keys of the fields, document slots and texts hidden for ``data``.

        ``data`` is the form's JSON data: the clean data of
        :func:`forms.data.validate_data` or :func:`forms.data.form_data`, or what a
        client sent (a missing key is null). An item is hidden when its own hide
        condition or its section's holds. Conditions see hidden fields as null,
        so hiding cascades: the schema refuses conditions that depend on each
        other in a cycle, so the result is well defined. Raises nothing; values of
        unexpected types just compare unequal.

        A hidden field is not validated and its value is dropped (see
        :func:`forms.data.validate_data`); a hidden slot is not required: check
        documents with ``slot.required and slot.key not in hidden_keys(data)``.
        """
        rules = self.hide_rules()
        hidden: frozenset[str] = frozenset()
        # Each round settles one more level of dependent conditions.
        for _ in range(len(rules) + 1):
            visible = {key: value for key, value in data.items() if key not in hidden}
            found = frozenset(
                key
                for key, conditions in rules.items()
                if any(condition.applies(visible) for condition in conditions)
            )
            if found == hidden:
                break
            hidden = found
        return hidden

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for API clients: fields, slots and sections."""
        return {
            "key": self.key,
            "title": self.title,
            "title_en": self.title_en,
            "fields": [_describe_field(spec) for spec in self.fields],
            "slots": [
                {
                    "key": slot.key,
                    "label": slot.label,
                    "label_en": slot.label_en,
                    "accept": list(slot.accept),
                    "max_size": slot.max_size,
                    "required": slot.required,
                    "multiple": slot.multiple,
                    "hide_if": _describe_condition(slot.hide_if),
                }
                for slot in self.slots
            ],
            "texts": [
                {
                    "key": text.key,
                    "text": text.text,
                    "text_en": text.text_en,
                    "hide_if": _describe_condition(text.hide_if),
                }
                for text in self.texts
            ],
            "sections": [
                {
                    "label": s.label,
                    "label_en": s.label_en,
                    "items": list(s.items),
                    "hide_if": _describe_condition(s.hide_if),
                }
                for s in self.sections
            ],
        }


def _json_number(value: Decimal | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else str(value)


def _describe_condition(condition: Condition | None) -> dict[str, Any] | None:
    return None if condition is None else condition.to_json()


def _describe_field(spec: FieldSpec) -> dict[str, Any]:
    described: dict[str, Any] = {
        "key": spec.key,
        "kind": spec.kind,
        "label": spec.label,
        "label_en": spec.label_en,
        "description": spec.description,
        "description_en": spec.description_en,
        "required": spec.required,
        "required_if": (
            {"key": spec.required_if.key, "values": list(spec.required_if.values)}
            if spec.required_if
            else None
        ),
        "min_length": spec.min_length,
        "max_length": spec.max_length,
        "pattern": spec.pattern,
        "minimum": _json_number(spec.minimum),
        "maximum": _json_number(spec.maximum),
        "decimal_digits": spec.decimal_digits,
        "choices": [
            {"value": c.value, "label": c.label, "label_en": c.label_en} for c in spec.choices
        ],
        "validators": list(spec.validators),
        "hide_if": _describe_condition(spec.hide_if),
    }
    if spec.kind == "list":
        described["min_items"] = spec.min_items
        described["max_items"] = spec.max_items
        described["children"] = [_describe_field(child) for child in spec.children]
    return described
