"""Loading form files and parsing sets of forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms import BUILTIN_DIR, FormSchemaError, load_builtin_forms, load_form_files, parse_forms
from tests.forms.conftest import make_schema
from tests.packages import all_forms

TEXT = {"type": "textfield", "key": "name", "label": "名称"}


def test_builtin_forms_are_keyed_by_id() -> None:
    raw = load_builtin_forms()
    assert raw["review"]["id"] == "review"
    assert {path.stem for path in BUILTIN_DIR.glob("*.json")} == set(raw)


def test_every_package_form_is_keyed_by_id() -> None:
    assert set(all_forms()) >= {
        "cinema_registration",
        "review",
        "refund_backfill",
        "refund_confirmation",
        "software_filing",
        "test_report",
        "review_failed_test",
    }


def _write(directory: Path, name: str, content: object) -> None:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    (directory / name).write_text(text, encoding="utf-8")


def test_every_bad_file_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", make_schema(TEXT, id="same"))
    _write(tmp_path, "b.json", make_schema(TEXT, id="same"))
    _write(tmp_path, "c.json", "{not json")
    _write(tmp_path, "d.json", make_schema({"type": "html", "key": "x", "label": "x"}, id="d"))
    with pytest.raises(FormSchemaError) as info:
        load_form_files(tmp_path)
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0] == 'b.json: form id "same" is already used by a.json'
    assert problems[1].startswith("c.json: cannot read JSON")
    assert problems[2] == 'd.json: component "x": component type "html" is not supported'


def test_parse_forms_checks_keys_and_schemas() -> None:
    with pytest.raises(FormSchemaError) as info:
        parse_forms(
            {
                "review": make_schema(TEXT, id="other"),
                "broken": make_schema({**TEXT, "key": "meta"}, id="broken"),
                "fine": make_schema(TEXT, id="fine"),
            }
        )
    assert info.value.problems == [
        'review: schema id "other" differs from the form key',
        'broken: component "meta": key "meta" is reserved',
    ]
    assert list(parse_forms({"fine": make_schema(TEXT, id="fine")})) == ["fine"]
