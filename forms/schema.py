"""Parse bpmn.io form-js schemas into :class:`FormDefinition` objects.

Administrators edit forms in the browser with form-js and upload them with new
process versions, so a schema is untrusted input: :func:`parse_form` checks every
component and reports every problem it finds, not just the first.

The supported subset of form-js (schemaVersion 16) and our extensions, which live
in a component's ``properties`` because form-js keeps custom string properties there:

- data fields: ``textfield``, ``textarea``, ``number``, ``checkbox``, ``checklist``,
  ``radio``, ``select``, ``taglist``, ``datetime`` (``subtype`` date, time or datetime)
  and ``dynamiclist`` (a repeating group: ``path`` is the data key);
- ``filepicker``: a document slot, not a data field;
- ``text``: display-only markdown;
- ``group``: a page section; data inside it stays at the top level.

Properties: ``label_en``, ``description_en``, ``text_en`` (text), ``validator``
(comma-separated names from :data:`forms.validators.NAMED_VALIDATORS`),
``requiredIf`` ("other_key=value1|value2"), ``minItems``/``maxItems`` (dynamiclist),
``maxSize`` (filepicker: "500KB", "20MB", "2GB"; binary units). Choice items may
carry ``label_en`` next to ``label`` and ``value``. The form's own ``properties``
may hold ``title`` and ``title_en``.

Conditional visibility: a top-level data field, dynamic list, ``filepicker``,
``text`` or ``group`` may carry ``"conditional": {"hide": "=<expression>"}`` and is
hidden while the expression holds (a group hides everything in it). Expressions
are this subset of FEEL (:mod:`forms.conditions` parses it; nothing is evaluated)::

    key = "text"     key != "text"    key = null     key != null
    key = true       key = false      key = 123      key != -1.5
    a and b          a or b           (a)            not(a)

for example ``{"hide": "=kind != \\"other\\" or (urgent = false and not(count = 0))"}``.
``and`` binds tighter than ``or``. Each ``key`` must be another top-level data field
of the form (not one inside a dynamic list, not a checklist, taglist or dynamic
list, not one the condition itself hides), compared with a literal of its type:
a string for text and choice fields (one of the choices for radio and select),
true/false for a checkbox, a number for a number field; ``null`` for any of these
except a checkbox, and only ``null`` for dates and times. Conditions must not
depend on each other in a cycle. Rows of a dynamic list cannot be conditional.

Hidden fields are not validated, never required and their values are dropped;
hidden document slots are not required (:meth:`FormDefinition.hidden_keys`).

Everything else is refused: other component types, other FEEL expressions
(in labels, ``conditional`` other than ``hide``, ...), dynamic options, group
``path``, unknown validator or property names.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from forms.components import DATA_FIELD_TYPES, ComponentReader
from forms.conditions import Comparison, Condition
from forms.model import (
    DEFAULT_MAX_SIZE,
    Choice,
    DocumentSlot,
    FieldSpec,
    FormDefinition,
    Item,
    RequiredIf,
    Section,
    StaticText,
)

__all__ = [
    "Choice",
    "DocumentSlot",
    "FieldSpec",
    "FormDefinition",
    "FormSchemaError",
    "RequiredIf",
    "Section",
    "StaticText",
    "parse_form",
    "parse_size",
    "schema_digest",
]


class FormSchemaError(ValueError):
    """A form schema is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("invalid form schema: " + "; ".join(self.problems))


_FORM_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,99}", re.ASCII)
_EXTENSION_RE = re.compile(r"\.([a-z0-9]{1,10}(?:\.[a-z0-9]{1,10})?)", re.ASCII)
_SIZE_RE = re.compile(r"\s*(\d{1,12}(?:\.\d{1,3})?)\s*(B|KB|KIB|MB|MIB|GB|GIB)?\s*", re.ASCII)
_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KB": 1024,
    "KIB": 1024,
    "MB": 1024**2,
    "MIB": 1024**2,
    "GB": 1024**3,
    "GIB": 1024**3,
}
_PROPERTIES: dict[str, frozenset[str]] = {
    "dynamiclist": frozenset({"label_en", "description_en", "minItems", "maxItems", "requiredIf"}),
    "filepicker": frozenset({"label_en", "description_en", "maxSize"}),
    "group": frozenset({"label_en"}),
    "text": frozenset({"text_en"}),
}


def parse_form(schema: Mapping[str, Any]) -> FormDefinition:
    """Parse and check one form-js schema.

    :raise FormSchemaError: the schema is invalid; ``problems`` names every
        offending component (by key, path or id) and what is wrong with it.
    """
    parser = _FormParser()
    definition = parser.form(schema)
    if parser.problems or definition is None:
        raise FormSchemaError(parser.problems or ["form schema is invalid"])
    return definition


def schema_digest(schema: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the schema's canonical JSON."""
    canonical = json.dumps(
        schema, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_size(text: str) -> int:
    """Parse a size such as "500KB", "20MB" or "2GB" into bytes (binary units).

    :raise ValueError: not a positive size.
    """
    match = _SIZE_RE.fullmatch(text.upper())
    size = int(Decimal(match.group(1)) * _SIZE_UNITS[match.group(2)]) if match else 0
    if size <= 0:
        raise ValueError(f"not a size: {text!r}")
    return size


_LIST_KINDS = frozenset({"checklist", "taglist", "list"})
_NULL = type(None)
_TEXT_LITERALS = ("holds text", 'a "string" or null', (str, _NULL))
# What a field kind may be compared with: its description, the allowed literals
# in words, and their Python types.
_LITERALS: dict[str, tuple[str, str, tuple[type, ...]]] = {
    "checkbox": ("is a checkbox", "true or false", (bool,)),
    "number": ("is a number field", "a number or null", (Decimal, _NULL)),
    "date": ("is a date", "null only", (_NULL,)),
    "time": ("is a time", "null only", (_NULL,)),
    "datetime": ("is a date and time", "null only", (_NULL,)),
}


def _comparison_problem(comparison: Comparison, spec: FieldSpec | None) -> str | None:
    """What is wrong with comparing the field ``spec`` with the literal, if anything."""
    key, value = comparison.key, comparison.value
    if spec is None:
        return f'"{key}" is not a data field of this form outside dynamic lists'
    if spec.kind in _LIST_KINDS:
        return f'"{key}" holds a list; only single-valued fields can be compared'
    what, allowed, types = _LITERALS.get(spec.kind, _TEXT_LITERALS)
    if not isinstance(value, types):
        return f'"{key}" {what}: compare it with {allowed}'
    if isinstance(value, str) and spec.choices and value not in {c.value for c in spec.choices}:
        return f'"{value}" is not a choice of {key}'
    return None


def _find_cycle(depends: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle in a graph of keys (key → keys it depends on), first key repeated at the end."""
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> list[str] | None:
        if key in path:
            return [*path[path.index(key) :], key]
        if key in done:
            return None
        for other in sorted(depends.get(key, ())):
            cycle = visit(other, [*path, key])
            if cycle is not None:
                return cycle
        done.add(key)
        return None

    for start in sorted(depends):
        cycle = visit(start, [])
        if cycle is not None:
            return cycle
    return None


class _FormParser(ComponentReader):
    """Reads a whole schema: the form, its sections, slots, texts and lists."""

    def __init__(self) -> None:
        super().__init__()
        # Every hide condition read: where it is, the condition, the keys it hides.
        self.hides: list[tuple[str, Condition, tuple[str, ...]]] = []

    def form(self, schema: object) -> FormDefinition | None:
        if not isinstance(schema, Mapping):
            self.problems.append("form schema must be a JSON object")
            return None
        if schema.get("type") != "default":
            self.problem("form", 'type must be "default"')
        key = schema.get("id")
        if not isinstance(key, str) or not _FORM_ID_RE.fullmatch(key):
            self.problem("form", "id must be a form key such as review")
            key = ""
        version = schema.get("schemaVersion")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            self.problem("form", "schemaVersion must be an integer")
        props = self.properties(schema, "form", frozenset({"title", "title_en"}))
        components = schema.get("components")
        if not isinstance(components, list):
            self.problem("form", "components must be a list")
            components = []
        fields, slots, texts, sections = self.top_level(components)
        self.check_keys([*fields, *slots, *texts], "form")
        self.check_required_if(fields)
        self.check_conditions(fields)
        raw = copy.deepcopy(dict(schema))
        return FormDefinition(
            key=key,
            title=props.get("title") or key,
            title_en=props.get("title_en"),
            fields=tuple(fields),
            slots=tuple(slots),
            sections=tuple(sections),
            schema=raw,
            texts=tuple(texts),
            digest=schema_digest(raw),
        )

    def top_level(
        self, components: list[Any]
    ) -> tuple[list[FieldSpec], list[DocumentSlot], list[StaticText], list[Section]]:
        items: list[Item] = []
        sections: list[Section] = []
        loose: list[str] = []
        for index, comp in enumerate(components):
            where = self.where(comp, f"components[{index}]")
            if isinstance(comp, Mapping) and comp.get("type") == "group":
                if loose:
                    sections.append(Section(None, None, tuple(loose)))
                    loose = []
                section, section_items = self.group_section(comp, where)
                sections.append(section)
                items.extend(section_items)
            else:
                item = self.component(comp, where)
                if item is not None:
                    items.append(item)
                    loose.append(item.key)
                    self.note_condition(item, where)
        if loose:
            sections.append(Section(None, None, tuple(loose)))
        fields = [item for item in items if isinstance(item, FieldSpec)]
        slots = [item for item in items if isinstance(item, DocumentSlot)]
        texts = [item for item in items if isinstance(item, StaticText)]
        return fields, slots, texts, sections

    def group_section(self, comp: Mapping[str, Any], where: str) -> tuple[Section, list[Item]]:
        self.unsupported(comp, where)
        if comp.get("path"):
            self.problem(where, "group path (nested data) is not supported")
        props = self.properties(comp, where, _PROPERTIES["group"])
        label = self.string(comp, "label", where)
        hide_if = self.hide_condition(comp, where)
        children = comp.get("components", [])
        if not isinstance(children, list):
            self.problem(where, "components must be a list")
            children = []
        items: list[Item] = []
        for index, child in enumerate(children):
            child_where = self.where(child, f"{where}.components[{index}]")
            item = self.component(child, child_where)
            if item is not None:
                items.append(item)
                self.note_condition(item, child_where)
        keys = tuple(item.key for item in items)
        if hide_if is not None:
            self.hides.append((where, hide_if, keys))
        return Section(label, props.get("label_en"), keys, hide_if), items

    def note_condition(self, item: Item, where: str) -> None:
        if item.hide_if is not None:
            self.hides.append((where, item.hide_if, (item.key,)))

    def check_conditions(self, fields: list[FieldSpec]) -> None:
        """Check every hide condition against the form's fields, and for cycles.

        A condition compares top-level, single-valued data fields other than the
        items it hides, with literals of their type (and among their choices).
        """
        by_key = {spec.key: spec for spec in fields}
        depends: dict[str, set[str]] = {}
        for where, condition, hidden in self.hides:
            for comparison in condition.comparisons():
                if comparison.key in hidden:
                    problem: str | None = f'"{comparison.key}" is hidden by this very condition'
                else:
                    problem = _comparison_problem(comparison, by_key.get(comparison.key))
                if problem is not None:
                    self.problem(where, f"conditional.hide: {problem}")
            for key in hidden:
                depends.setdefault(key, set()).update(condition.field_keys() - set(hidden))
        cycle = _find_cycle(depends)
        if cycle is not None:
            self.problem(
                f'component "{cycle[0]}"',
                "conditional.hide: conditions depend on each other in a cycle: "
                + " → ".join(cycle),
            )

    def check_required_if(self, fields: list[FieldSpec]) -> None:
        by_key = {spec.key: spec for spec in fields}
        for spec in fields:
            rule = spec.required_if
            if rule is None:
                continue
            where = f'component "{spec.key}"'
            other = by_key.get(rule.key)
            if other is None or other is spec or other.kind == "list":
                self.problem(where, f'requiredIf names "{rule.key}", not another top-level field')
                continue
            allowed = {choice.value for choice in other.choices}
            for value in rule.values:
                if allowed and value not in allowed:
                    self.problem(where, f'requiredIf value "{value}" is not a choice of {rule.key}')

    def component(self, comp: object, where: str) -> Item | None:
        if not isinstance(comp, Mapping):
            self.problem(where, "a component must be a JSON object")
            return None
        kind = comp.get("type")
        self.unsupported(comp, where)
        if kind == "group":
            self.problem(where, "groups cannot be nested")
            return None
        if kind == "filepicker":
            return self.slot(comp, where)
        if kind == "text":
            return self.text(comp, where)
        if kind == "dynamiclist":
            return self.dynamic_list(comp, where)
        return self.data_field(comp, where, in_row=False)

    def text(self, comp: Mapping[str, Any], where: str) -> StaticText | None:
        props = self.properties(comp, where, _PROPERTIES["text"])
        text = self.string(comp, "text", where, required=True)
        name = comp.get("key") or comp.get("id")
        key = self.data_key(name, where, "key or id")
        hide_if = self.hide_condition(comp, where)
        if text is None or key is None:
            return None
        return StaticText(key=key, text=text, text_en=props.get("text_en"), hide_if=hide_if)

    def slot(self, comp: Mapping[str, Any], where: str) -> DocumentSlot | None:
        props = self.properties(comp, where, _PROPERTIES["filepicker"])
        rules = self.rules(comp, where, "filepicker")
        key = self.data_key(comp.get("key"), where)
        label = self.string(comp, "label", where, required=True)
        accept = self.accept(comp.get("accept"), where)
        max_size = DEFAULT_MAX_SIZE
        if "maxSize" in props:
            try:
                max_size = parse_size(props["maxSize"])
            except ValueError:
                self.problem(where, f'maxSize "{props["maxSize"]}" is not a size like 20MB')
        multiple = self.boolean(comp, "multiple", where)
        description = self.string(comp, "description", where)
        hide_if = self.hide_condition(comp, where)
        if key is None or label is None or accept is None:
            return None
        return DocumentSlot(
            key=key,
            label=label,
            label_en=props.get("label_en"),
            accept=accept,
            max_size=max_size,
            required=bool(rules.get("required")),
            multiple=multiple,
            description=description,
            description_en=props.get("description_en"),
            hide_if=hide_if,
        )

    def accept(self, value: object, where: str) -> tuple[str, ...] | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "accept is required: list the allowed file extensions, e.g. .pdf")
            return None
        extensions: list[str] = []
        for entry in value.split(","):
            match = _EXTENSION_RE.fullmatch(entry.strip().lower())
            if not match:
                self.problem(where, f'accept entry "{entry.strip()}" is not a file extension')
                continue
            if match.group(1) not in extensions:
                extensions.append(match.group(1))
        return tuple(extensions) if extensions else None

    def dynamic_list(self, comp: Mapping[str, Any], where: str) -> FieldSpec | None:
        props = self.properties(comp, where, _PROPERTIES["dynamiclist"])
        rules = self.rules(comp, where, "list")
        key = self.data_key(comp.get("path"), where, "path")
        label = self.string(comp, "label", where, required=True)
        if comp.get("isRepeating", True) is not True:
            self.problem(where, "isRepeating must be true")
        min_items = self.count(props, "minItems", where)
        max_items = self.count(props, "maxItems", where)
        if min_items is not None and max_items is not None and min_items > max_items:
            self.problem(where, "minItems is greater than maxItems")
        children = self.rows(comp, where, key)
        description = self.string(comp, "description", where)
        required_if = self.required_if(props, where)
        hide_if = self.hide_condition(comp, where)
        if key is None or label is None:
            return None
        return FieldSpec(
            key=key,
            kind="list",
            label=label,
            label_en=props.get("label_en"),
            description=description,
            description_en=props.get("description_en"),
            required=bool(rules.get("required")),
            required_if=required_if,
            children=children,
            min_items=min_items,
            max_items=max_items,
            hide_if=hide_if,
        )

    def rows(
        self, comp: Mapping[str, Any], where: str, list_key: str | None
    ) -> tuple[FieldSpec, ...]:
        components = comp.get("components")
        if not isinstance(components, list) or not components:
            self.problem(where, "a dynamic list needs row components")
            return ()
        children: list[FieldSpec] = []
        for index, child in enumerate(components):
            child_where = f"{where}.components[{index}]"
            if list_key and isinstance(child, Mapping) and isinstance(child.get("key"), str):
                child_where = f'component "{list_key}.{child["key"]}"'
            if not isinstance(child, Mapping):
                self.problem(child_where, "a component must be a JSON object")
                continue
            if child.get("type") not in (*DATA_FIELD_TYPES, "datetime"):
                self.problem(child_where, "a dynamic list row holds only data fields")
                continue
            self.unsupported(child, child_where)
            spec = self.data_field(child, child_where, in_row=True)
            if spec is not None:
                children.append(spec)
        self.check_keys(children, where)
        return tuple(children)
