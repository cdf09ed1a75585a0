"""The form definitions shipped with the portal, and parsing a set of forms.

Built-in forms live as form-js JSON files in :data:`BUILTIN_DIR`; a process
version uploaded by an administrator brings its own files, parsed the same way
with :func:`parse_forms`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forms.model import FormDefinition
from forms.schema import FormSchemaError, parse_form

__all__ = ["BUILTIN_DIR", "load_builtin_forms", "load_form_files", "parse_forms"]

BUILTIN_DIR = Path(__file__).parent / "definitions"


def load_form_files(directory: Path) -> dict[str, dict[str, Any]]:
    """Read every ``*.json`` form schema in ``directory``, keyed by schema "id".

    Each schema is checked with :func:`forms.schema.parse_form`.

    :raise FormSchemaError: a file is not valid JSON or not a valid form, or two
        files share an id; ``problems`` covers every file, each prefixed with
        its file name.
    """
    problems: list[str] = []
    forms: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{path.name}: cannot read JSON ({exc})")
            continue
        try:
            definition = parse_form(schema)
        except FormSchemaError as exc:
            problems.extend(f"{path.name}: {problem}" for problem in exc.problems)
            continue
        if definition.key in forms:
            problems.append(
                f'{path.name}: form id "{definition.key}" is already used by '
                f"{sources[definition.key]}"
            )
            continue
        forms[definition.key] = schema
        sources[definition.key] = path.name
    if problems:
        raise FormSchemaError(problems)
    return forms


def load_builtin_forms() -> dict[str, dict[str, Any]]:
    """The built-in form schemas (raw form-js JSON), keyed by schema "id".

    :raise FormSchemaError: a built-in file is invalid or two share an id.
    """
    return load_form_files(BUILTIN_DIR)


def parse_forms(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, FormDefinition]:
    """Parse a set of form schemas keyed by form key.

    :raise FormSchemaError: any schema is invalid or its "id" differs from its
        key; ``problems`` covers every form, each prefixed with its key.
    """
    problems: list[str] = []
    parsed: dict[str, FormDefinition] = {}
    for key, schema in raw.items():
        try:
            definition = parse_form(schema)
        except FormSchemaError as exc:
            problems.extend(f"{key}: {problem}" for problem in exc.problems)
            continue
        if definition.key != key:
            problems.append(f'{key}: schema id "{definition.key}" differs from the form key')
            continue
        parsed[key] = definition
    if problems:
        raise FormSchemaError(problems)
    return parsed
