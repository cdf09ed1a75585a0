"""Compile a :class:`FormDefinition` into a WTForms class.

The same class renders the page and validates API input (through
:func:`forms.data.validate_data`). Compiled classes are cached: compiling is pure,
so equal definitions with the same options share one class.

The package never imports Flask: the portal passes its FlaskForm subclass as
``base`` to get CSRF protection and translated messages on its pages.

Compiled forms honour hide conditions (see :mod:`forms.conditions`): ``validate()``
skips the fields hidden by the submitted values (:func:`hidden_fields`), and
:func:`forms.data.form_data` drops their values.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import wtforms
from wtforms.fields import BooleanField, FileField, FormField, MultipleFileField
from wtforms.fields.choices import SelectChoice

from forms.fields import (
    DEFAULT_MAX_ROWS,
    ChecklistField,
    DateField,
    DateTimeField,
    NumberField,
    RadioChoiceField,
    RowListField,
    SelectChoiceField,
    TagListField,
    TextAreaField,
    TextField,
    TimeField,
)
from forms.model import FieldSpec, FormDefinition, is_english
from forms.validators import (
    NAMED_VALIDATORS,
    NORMALIZERS,
    Length,
    NumberRange,
    Pattern,
    Required,
    RequiredIf,
    RowCount,
)

__all__ = ["build_form_class", "form_definition", "hidden_fields"]

_CACHE: dict[tuple[Any, ...], type[wtforms.Form]] = {}
_CACHE_LOCK = threading.Lock()

# Kinds whose HTML inputs must not carry `required`: it would demand every checkbox.
_NO_REQUIRED_FLAG = frozenset({"checklist", "taglist", "list"})


def build_form_class(
    definition: FormDefinition,
    *,
    base: type[wtforms.Form] = wtforms.Form,
    draft: bool = False,
    locale: str = "zh",
    with_files: bool = False,
) -> type[wtforms.Form]:
    """The WTForms class for ``definition``, compiled once and cached.

    ``draft=True`` drops every "required" rule (required, requiredIf, a dynamic
    list's minimum rows) but keeps types, lengths, choices and named validators.
    ``locale`` picks the labels: English ("en…") uses ``label_en`` where given,
    anything else the Chinese labels. ``with_files=True`` adds a FileField per
    document slot, for rendering pages only: uploads are checked by the storage
    layer, not by the form.

    Dynamic lists are :class:`forms.fields.RowListField` instances of row forms
    derived from ``base`` with CSRF switched off.

    :raise ValueError: a field or slot key clashes with an attribute or hook of
        ``base`` (``validate_<key>``, ``filter_<key>``).
    """
    language = "en" if is_english(locale) else "zh"
    cache_key = (definition, base, draft, language, with_files)
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
    if cached is not None:
        return cached
    compiled = _compile(definition, base, draft, language, with_files)
    with _CACHE_LOCK:
        return _CACHE.setdefault(cache_key, compiled)


def form_definition(form: Any) -> FormDefinition:
    """The definition a compiled form (class or instance) was built from.

    :raise TypeError: ``form`` was not built by :func:`build_form_class`.
    """
    definition = getattr(form, "_definition", None)
    if not isinstance(definition, FormDefinition):
        raise TypeError(f"{form!r} is not a compiled form")
    return definition


def hidden_fields(form: Any) -> frozenset[str]:
    """Keys of the compiled form's fields (and slots, texts) hidden by its current data.

    The same answer as :meth:`FormDefinition.hidden_keys` for the form's data: it
    reads each top-level field's processed value.

    :raise TypeError: ``form`` was not built by :func:`build_form_class`.
    """
    definition = form_definition(form)
    if not definition.hide_rules():
        return frozenset()
    return definition.hidden_keys({spec.key: form[spec.key].data for spec in definition.fields})


class _HidingForm(wtforms.Form):
    """First base of every compiled form: fields hidden by the data are not validated.

    While the visible fields validate, the hidden ones are left out of the form
    (``key in form`` is false), so :class:`forms.validators.RequiredIf` treats a
    hidden field as empty. Hidden fields end with no errors.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        hidden = hidden_fields(self)
        if not hidden:
            return bool(super().validate(extra_validators))
        # BaseForm keeps its bound fields in the instance's _fields mapping.
        state = self.__dict__
        fields: dict[str, Any] = state["_fields"]
        state["_fields"] = {key: field for key, field in fields.items() if key not in hidden}
        try:
            valid = bool(super().validate(extra_validators))
        finally:
            state["_fields"] = fields
        for key in hidden & fields.keys():
            _forget_errors(fields[key])
        return valid


def _forget_errors(field: Any) -> None:
    """Drop the errors of a field, and of the fields of its rows."""
    field.errors = []
    for entry in getattr(field, "entries", ()):
        for subfield in entry.form:
            _forget_errors(subfield)


def _class_name(key: str, suffix: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", key)) + suffix


def _check_clashes(base: type, keys: list[str]) -> None:
    for key in keys:
        for name in (key, f"validate_{key}", f"filter_{key}"):
            if hasattr(base, name):
                raise ValueError(f"form key {key!r} clashes with {base.__name__}.{name}")


@dataclass(frozen=True)
class _Options:
    base: type[wtforms.Form]
    draft: bool
    locale: str
    owner: str
    # Keys of fields a condition may hide: they get no HTML ``required`` flag,
    # which would make the browser demand them even when hidden.
    conditional: frozenset[str] = frozenset()


def _compile(
    definition: FormDefinition,
    base: type[wtforms.Form],
    draft: bool,
    locale: str,
    with_files: bool,
) -> type[wtforms.Form]:
    keys = [spec.key for spec in definition.fields]
    if with_files:
        keys += [slot.key for slot in definition.slots]
    _check_clashes(base, keys)
    options = _Options(
        base=base,
        draft=draft,
        locale=locale,
        owner=definition.key,
        conditional=frozenset(definition.hide_rules()),
    )
    attrs: dict[str, Any] = {
        "_definition": definition,
        "_locale": locale,
        "_draft": draft,
    }
    for spec in definition.fields:
        attrs[spec.key] = _unbound(spec, options, flag=spec.key not in options.conditional)
    if with_files:
        for slot in definition.slots:
            file_class = MultipleFileField if slot.multiple else FileField
            attrs[slot.key] = file_class(
                slot.label_for(locale),
                description=slot.description_for(locale) or "",
                render_kw={"accept": slot.accept_attribute},
            )
    return type(_class_name(definition.key, "Form"), (_HidingForm, base), attrs)


def _row_class(spec: FieldSpec, options: _Options, *, flag: bool) -> type[wtforms.Form]:
    _check_clashes(options.base, [child.key for child in spec.children])
    attrs: dict[str, Any] = {
        # A row is part of its page's form: one CSRF token covers it.
        "Meta": type("Meta", (), {"csrf": False}),
        "_row_of": spec,
    }
    for child in spec.children:
        attrs[child.key] = _unbound(child, options, flag=flag)
    return type(_class_name(f"{options.owner}_{spec.key}", "Row"), (options.base,), attrs)


def _choices(spec: FieldSpec, locale: str) -> list[SelectChoice]:
    return [SelectChoice(value=c.value, label=c.label_for(locale)) for c in spec.choices]


def _normalizing(normalize: Callable[[str], str]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return normalize(value) if isinstance(value, str) else value

    return apply


def _presence_rules(spec: FieldSpec, draft: bool, flag: bool) -> list[Any]:
    if draft:
        return []
    rules: list[Any] = []
    if spec.required and spec.kind != "list":
        rules.append(Required(flag=flag and spec.kind not in _NO_REQUIRED_FLAG))
    if spec.required_if is not None:
        rules.append(RequiredIf(spec.required_if.key, spec.required_if.values))
    return rules


def _unbound(spec: FieldSpec, options: _Options, *, flag: bool) -> Any:
    """The unbound WTForms field for one data field.

    ``flag=False`` leaves out the HTML ``required`` attribute (the rule stays).
    """
    validators = _presence_rules(spec, options.draft, flag)
    kwargs: dict[str, Any] = {
        "label": spec.label_for(options.locale),
        "description": spec.description_for(options.locale) or "",
    }
    kind = spec.kind
    if kind in ("text", "textarea"):
        return _text_field(spec, validators, kwargs)
    if kind == "number":
        if spec.minimum is not None or spec.maximum is not None:
            validators.append(NumberRange(spec.minimum, spec.maximum))
        return NumberField(validators=validators, decimal_digits=spec.decimal_digits, **kwargs)
    if kind == "list":
        return _list_field(spec, options, validators, kwargs, flag=flag)
    if kind in _CHOICE_CLASSES:
        choices = _choices(spec, options.locale)
        return _CHOICE_CLASSES[kind](validators=validators, choices=choices, **kwargs)
    return _SIMPLE_CLASSES[kind](validators=validators, **kwargs)


_CHOICE_CLASSES: dict[str, Any] = {
    "checklist": ChecklistField,
    "radio": RadioChoiceField,
    "select": SelectChoiceField,
    "taglist": TagListField,
}
_SIMPLE_CLASSES: dict[str, Any] = {
    "checkbox": BooleanField,
    "date": DateField,
    "time": TimeField,
    "datetime": DateTimeField,
}


def _text_field(spec: FieldSpec, validators: list[Any], kwargs: dict[str, Any]) -> Any:
    if spec.min_length is not None or spec.max_length is not None:
        validators.append(Length(spec.min_length, spec.max_length))
    if spec.pattern is not None:
        validators.append(Pattern(spec.pattern))
    filters = []
    for name in spec.validators:
        validators.append(NAMED_VALIDATORS[name]())
        if name in NORMALIZERS:
            filters.append(_normalizing(NORMALIZERS[name]))
    field_class = TextAreaField if spec.kind == "textarea" else TextField
    return field_class(validators=validators, filters=filters, **kwargs)


def _list_field(
    spec: FieldSpec, options: _Options, validators: list[Any], kwargs: dict[str, Any], *, flag: bool
) -> Any:
    shown = max(spec.min_items or 0, 1 if spec.required else 0)
    minimum = 0 if options.draft else shown
    maximum = spec.max_items if spec.max_items is not None else DEFAULT_MAX_ROWS
    validators.append(RowCount(minimum, maximum))
    return RowListField(
        FormField(_row_class(spec, options, flag=flag)),
        validators=validators,
        min_entries=shown,
        max_rows=maximum,
        **kwargs,
    )
