"""JSON data in and out of compiled forms.

The API validates ``{"data": {...}}`` with :func:`validate_data`; the pages
validate ``request.form`` with the compiled class and read the result with
:func:`form_data` and :func:`form_errors`. Both paths run the same WTForms fields,
so they accept and refuse the same values and give the same clean JSON.

Form-data naming (see :func:`to_formdata`), which page templates follow too:

- a scalar field ``key`` → one value under ``key``;
- a checkbox → ``key=y`` when true, absent when false;
- a checklist or taglist (list of strings) → ``key`` repeated once per value;
- a dynamic list ``key`` of row objects → ``key-<i>-<row field>``, ``<i>`` being
  the row's position in the JSON list (WTForms' FieldList/FormField naming).

Error paths are dotted JSON paths: ``"name"``, ``"halls"`` (about the list
itself, e.g. too few rows), ``"halls.1.seats"`` (row 1 as the client sent it).
Problems that belong to no field are keyed :data:`NON_FIELD_ERRORS`.

Fields hidden by their hide conditions (see :func:`forms.compiler.hidden_fields`)
are empty in the clean data and never have errors, on both paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import wtforms
from werkzeug.datastructures import MultiDict

from forms.compiler import build_form_class, form_definition, hidden_fields
from forms.fields import DEFAULT_MAX_ROWS, RowListField, format_number
from forms.i18n import N_
from forms.model import FieldSpec, FormDefinition

__all__ = ["NON_FIELD_ERRORS", "form_data", "form_errors", "to_formdata", "validate_data"]

NON_FIELD_ERRORS = "__all__"
"""Error key for problems with the data as a whole (e.g. it is not an object)."""

_STRING_KINDS = frozenset({"text", "textarea", "radio", "select", "date", "time", "datetime"})
_STRING_LIST_KINDS = frozenset({"checklist", "taglist"})

# -- JSON → form data ---------------------------------------------------------------------


def to_formdata(data: Mapping[str, Any]) -> MultiDict[str, str]:
    """Turn JSON data into the form data a browser would submit.

    None is left out, True becomes "y" and False is left out, numbers become
    their decimal text, lists of scalars repeat the key, lists of objects become
    ``key-<i>-<sub key>`` and a nested object ``key-<sub key>``. It does not
    check types against a definition: :func:`validate_data` does that first.
    """
    formdata: MultiDict[str, str] = MultiDict()
    for key, value in data.items():
        _emit(formdata, str(key), value)
    return formdata


def _emit(formdata: MultiDict[str, str], name: str, value: Any) -> None:
    if value is None or value is False:
        return
    if value is True:
        formdata.add(name, "y")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _emit(formdata, f"{name}-{key}", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                _emit(formdata, f"{name}-{index}", item)
            elif not isinstance(item, list | tuple):
                _emit(formdata, name, item)
    else:
        formdata.add(name, _scalar_text(value))


def _scalar_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# -- JSON type checks ---------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal | str) and not isinstance(value, bool)


def _type_problem(spec: FieldSpec, value: Any) -> str | None:
    """The message id of a JSON type mismatch, or None when the type fits."""
    kind = spec.kind
    if kind in _STRING_KINDS and not isinstance(value, str):
        return N_("Expected a string.")
    if kind == "number" and not _is_number(value):
        return N_("Expected a number.")
    if kind == "checkbox" and not isinstance(value, bool):
        return N_("Expected true or false.")
    if kind in _STRING_LIST_KINDS and (
        not isinstance(value, list) or not all(isinstance(item, str) for item in value)
    ):
        return N_("Expected a list of strings.")
    if kind == "list" and not isinstance(value, list):
        return N_("Expected a list.")
    return None


def _check_types(
    specs: tuple[FieldSpec, ...], data: Mapping[Any, Any], prefix: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Keep the well-typed known values; report the rest by dotted path."""
    known = {spec.key: spec for spec in specs}
    kept: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        spec = known.get(key) if isinstance(key, str) else None
        if spec is None:
            problems[path] = N_("Unknown field.")
            continue
        if value is None:
            continue
        problem = _type_problem(spec, value)
        if problem is not None:
            problems[path] = problem
        elif spec.kind == "list":
            kept[key] = _check_rows(spec, value, path, problems)
        else:
            kept[key] = value
    return kept, problems


def _check_rows(
    spec: FieldSpec, rows: list[Any], path: str, problems: dict[str, str]
) -> list[dict[str, Any]]:
    # Every row keeps its position, so form data index i is the client's row i.
    # One row past the limit is enough for the form to report "too many rows".
    limit = (spec.max_items if spec.max_items is not None else DEFAULT_MAX_ROWS) + 1
    kept: list[dict[str, Any]] = []
    for index, row in enumerate(rows[:limit]):
        if not isinstance(row, Mapping):
            problems[f"{path}.{index}"] = N_("Expected an object.")
            kept.append({})
            continue
        row_kept, row_problems = _check_types(spec.children, row, f"{path}.{index}.")
        problems.update(row_problems)
        kept.append(row_kept)
    return kept


# -- validation ---------------------------------------------------------------------------


def validate_data(
    definition: FormDefinition,
    data: Mapping[str, Any],
    *,
    draft: bool = False,
    base: type[wtforms.Form] = wtforms.Form,
    locale: str = "zh",
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate JSON data against a form definition, as the API receives it.

    Returns ``(clean, errors)``. ``clean`` holds every field of the definition
    (absent optional values as None, [] for lists and False for checkboxes), so
    stale values never survive a save; its values are JSON-able. ``errors`` maps
    dotted paths to messages and is empty when the data is valid. Unknown keys and
    wrong JSON types are reported on their path, never raised. ``draft=True``
    checks everything except "required" rules. CSRF is not checked here even when
    ``base`` is a FlaskForm: the API authenticates by other means.

    A field hidden by its hide condition for this data (see
    :meth:`FormDefinition.hidden_keys`) is not checked at all, not even its JSON
    type, nor required (also not through another field's requiredIf naming it);
    its clean value is empty like an absent one's. Document slots are not data:
    callers ask ``definition.hidden_keys(clean)`` which slots are not required.

    :raise ValueError: a key of the definition clashes with ``base`` (see
        :func:`forms.compiler.build_form_class`).
    """
    form_class = build_form_class(definition, base=base, draft=draft, locale=locale)
    if not isinstance(data, Mapping):
        form = form_class(formdata=MultiDict(), meta={"csrf": False})
        form.validate()
        return form_data(form), {NON_FIELD_ERRORS: [_gettext(form, "Expected an object.")]}
    kept, problems = _check_types(definition.fields, data, "")
    form = form_class(formdata=to_formdata(kept), meta={"csrf": False})
    form.validate()
    errors = form_errors(form)
    hidden = hidden_fields(form)
    for path, message in problems.items():
        if path.split(".", 1)[0] not in hidden:
            errors[path] = [_gettext(form, message)]
    return form_data(form), errors


def _gettext(form: Any, message: str) -> str:
    translations = form.meta.get_translations(form)
    return str(translations.gettext(message)) if translations is not None else message


# -- form → JSON ------------------------------------------------------------------------------


def form_data(form: wtforms.Form) -> dict[str, Any]:
    """The clean JSON-able data of a processed (usually validated) compiled form.

    Same shape as :func:`validate_data`'s: every field of the definition present;
    decimals as strings with their fixed number of digits, dates and times as
    ISO 8601 strings (datetimes with the +08:00 offset). Document slots are not
    data and are left out. Fields hidden by the form's data
    (:func:`forms.compiler.hidden_fields`) get their empty value: None, False for a
    checkbox, [] for lists.

    :raise TypeError: ``form`` was not built by :func:`forms.build_form_class`.
    """
    hidden = hidden_fields(form)
    clean = _clean(form_definition(form).fields, form)
    for key in hidden & clean.keys():
        clean[key] = _empty_value(form_definition(form).field(key))
    return clean


def _clean(specs: tuple[FieldSpec, ...], form: Any) -> dict[str, Any]:
    return {spec.key: _clean_value(spec, form[spec.key]) for spec in specs}


def _empty_value(spec: FieldSpec) -> Any:
    if spec.kind == "checkbox":
        return False
    if spec.kind in _STRING_LIST_KINDS or spec.kind == "list":
        return []
    return None


def _clean_value(spec: FieldSpec, field: Any) -> Any:
    kind = spec.kind
    data = field.data
    if kind == "list":
        return [_clean(spec.children, entry.form) for entry in field.entries]
    if kind == "checkbox":
        return bool(data)
    if kind in _STRING_LIST_KINDS:
        return list(data or [])
    if kind == "number":
        return format_number(data, spec.decimal_digits)
    if isinstance(data, date | time):  # datetime is a date
        return (
            data.isoformat(timespec="seconds")
            if isinstance(data, datetime | time)
            else data.isoformat()
        )
    return data


def form_errors(form: wtforms.Form) -> dict[str, list[str]]:
    """The errors of a validated form keyed by dotted JSON path.

    Errors of a dynamic list itself sit under its key, errors of a row field under
    ``"<key>.<row index>.<row key>"`` (the index the row was submitted with).
    Errors of fields the base class adds (e.g. ``csrf_token``) keep their names;
    form-level errors are keyed :data:`NON_FIELD_ERRORS`.
    """
    errors: dict[str, list[str]] = {}
    _collect_errors(form, "", errors)
    form_level = list(getattr(form, "form_errors", None) or [])
    if form_level:
        errors[NON_FIELD_ERRORS] = [str(message) for message in form_level]
    return errors


def _collect_errors(form: Any, prefix: str, errors: dict[str, list[str]]) -> None:
    for field in form:
        path = f"{prefix}{field.short_name}"
        if isinstance(field, RowListField):
            own = [str(message) for message in field.errors if isinstance(message, str)]
            if own:
                errors[path] = own
            for entry in field.entries:
                _collect_errors(entry.form, f"{path}.{entry.index}.", errors)
        elif field.errors:
            errors[path] = [str(message) for message in field.errors]
