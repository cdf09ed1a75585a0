"""Form definitions (bpmn.io form-js JSON) and their compilation to WTForms.

Each BPMN user task names a form. :func:`parse_form` checks a form-js schema and
returns a :class:`FormDefinition`; :func:`build_form_class` compiles it into a
WTForms class that renders the page; :func:`validate_data` runs the same class on
JSON input for the API. Components hidden by a form-js ``conditional.hide``
(:meth:`FormDefinition.hidden_keys`, :func:`hidden_fields`) are not validated.
This package never imports Flask or the portal.
"""

from forms.compiler import build_form_class, form_definition, hidden_fields
from forms.data import NON_FIELD_ERRORS, form_data, form_errors, to_formdata, validate_data
from forms.registry import BUILTIN_DIR, load_builtin_forms, load_form_files, parse_forms
from forms.schema import (
    Choice,
    DocumentSlot,
    FieldSpec,
    FormDefinition,
    FormSchemaError,
    RequiredIf,
    Section,
    StaticText,
    parse_form,
)
from forms.validators import (
    is_valid_division_code,
    is_valid_email,
    is_valid_mobile,
    is_valid_uscc,
    normalize_mobile,
    normalize_uscc,
)

__all__ = [
    "BUILTIN_DIR",
    "NON_FIELD_ERRORS",
    "Choice",
    "DocumentSlot",
    "FieldSpec",
    "FormDefinition",
    "FormSchemaError",
    "RequiredIf",
    "Section",
    "StaticText",
    "build_form_class",
    "form_data",
    "form_definition",
    "form_errors",
    "hidden_fields",
    "is_valid_division_code",
    "is_valid_email",
    "is_valid_mobile",
    "is_valid_uscc",
    "load_builtin_forms",
    "load_form_files",
    "normalize_mobile",
    "normalize_uscc",
    "parse_form",
    "parse_forms",
    "to_formdata",
    "validate_data",
]
