"""Compiled classes as the pages use them: rendering, browser form data, CSRF, caching."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.csrf.core import CSRF
from wtforms.fields import FileField, MultipleFileField

from forms import (
    FormDefinition,
    build_form_class,
    form_data,
    form_definition,
    form_errors,
    to_formdata,
    validate_data,
)
from forms.fields import RowListField
from tests.forms.conftest import make_form


def test_classes_are_cached(cinema: FormDefinition) -> None:
    first = build_form_class(cinema)
    assert build_form_class(cinema) is first
    assert build_form_class(cinema, locale="zh_CN") is first
    assert build_form_class(cinema, draft=True) is not first
    assert build_form_class(cinema, locale="en") is not first
    assert form_definition(first) == cinema  # equal definitions share one class


def test_form_definition_of_a_plain_form() -> None:
    with pytest.raises(TypeError, match="not a compiled form"):
        form_definition(wtforms.Form())


def test_labels_by_locale(cinema: FormDefinition, review: FormDefinition) -> None:
    zh = build_form_class(cinema)()
    en = build_form_class(cinema, locale="en")()
    assert zh.name.label.text == "影院名称"
    assert en.name.label.text == "Cinema name"
    assert en.halls.entries[0].form.seats.label.text == "Seats"
    assert "430102" in en.division_code.description
    decision = build_form_class(review, locale="en_US")().decision
    assert [option.label.text for option in decision] == [
        "Approve",
        "Return for correction",
        "Reject",
    ]


def test_english_falls_back_to_chinese() -> None:
    definition = make_form({"type": "textfield", "key": "name", "label": "名称"})
    assert build_form_class(definition, locale="en")().name.label.text == "名称"


def test_with_files_adds_file_fields(cinema: FormDefinition) -> None:
    page = build_form_class(cinema, with_files=True)()
    assert isinstance(page.business_licence, FileField)
    assert isinstance(page.screening_licence, FileField)
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page.business_licence()
    assert page.business_licence.label.text == "营业执照"
    assert "business_licence" not in build_form_class(cinema)()
    multiple = make_form(
        {
            "type": "filepicker",
            "key": "scans",
            "label": "扫描件",
            "accept": ".pdf",
            "multiple": True,
        }
    )
    assert isinstance(build_form_class(multiple, with_files=True)().scans, MultipleFileField)


def test_page_form_data_excludes_slots(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    page = build_form_class(cinema, with_files=True)(formdata=to_formdata(cinema_data))
    assert page.validate()
    assert form_data(page) == cinema_data


def test_rendering_attributes(cinema: FormDefinition) -> None:
    form = build_form_class(cinema)()
    name = form.name()
    assert "required" in name
    assert 'maxlength="100"' in name
    seats = form.halls.entries[0].form.seats()
    assert 'type="number"' in seats
    assert 'min="1"' in seats
    assert 'max="3000"' in seats
    assert 'step="1"' in seats
    assert "required" not in build_form_class(cinema, draft=True)().name()


def test_new_page_shows_min_items_rows(cinema: FormDefinition) -> None:
    form = build_form_class(cinema)()
    assert [entry.name for entry in form.halls.entries] == ["halls-0"]
    assert form.halls.entries[0].form.name.name == "halls-0-name"
    assert form.halls.next_index == 1


def test_template_row_for_adding_rows(cinema: FormDefinition) -> None:
    halls = build_form_class(cinema)().halls
    assert isinstance(halls, RowListField)
    row = halls.template_row()
    assert row.form.name.name == "halls-__index__-name"
    assert 'name="halls-__index__-seats"' in row.form.seats()
    assert len(halls.entries) == 1


def test_browser_submission_with_sparse_and_blank_rows(cinema: FormDefinition) -> None:
    # Row 0 was rendered for the user and left blank; row 1 was removed in the
    # browser; rows 2 and 5 were added by script.
    formdata = MultiDict(
        [
            ("name", "星光影城"),
            ("address", "长沙市"),
            ("division_code", "430102"),
            ("circuit", "万达院线"),
            ("contact_name", "张三"),
            ("contact_mobile", "13800138000"),
            ("halls-0-name", ""),
            ("halls-0-seats", ""),
            ("halls-2-name", "2号厅"),
            ("halls-2-seats", "80"),
            ("halls-5-name", "5号厅"),
            ("halls-5-seats", "zero"),
        ]
    )
    form = build_form_class(cinema)(formdata=formdata)
    assert not form.validate()
    assert form_errors(form) == {"halls.5.seats": ["Not a valid integer value."]}
    assert [entry.index for entry in form.halls.entries] == [2, 5]
    assert form.halls.next_index == 6
    assert form_data(form)["halls"] == [
        {"name": "2号厅", "seats": 80},
        {"name": "5号厅", "seats": None},
    ]


def test_submission_without_rows_is_not_padded(cinema: FormDefinition) -> None:
    form = build_form_class(cinema)(formdata=MultiDict([("name", "星光影城")]))
    assert form.halls.entries == []
    form.validate()
    assert form_errors(form)["halls"] == ["At least 1 row is required."]


def test_checklist_renders_checkboxes_without_required() -> None:
    definition = make_form(
        {
            "type": "checklist",
            "key": "parts",
            "label": "部分",
            "values": [{"label": "甲", "value": "a"}, {"label": "乙", "value": "b"}],
            "validate": {"required": True},
        },
        {
            "type": "select",
            "key": "kind",
            "label": "类",
            "values": [{"label": "甲", "value": "a"}],
        },
    )
    form = build_form_class(definition)()
    html = form.parts()
    assert html.count('type="checkbox"') == 2
    assert "required" not in html
    assert '<option selected value=""></option>' in form.kind()


def test_taglist_renders_one_tag_per_line() -> None:
    definition = make_form({"type": "taglist", "key": "tickets", "label": "票号"})
    form_class = build_form_class(definition)
    assert "T1\nT2" in form_class(data={"tickets": ["T1", "T2"]}).tickets()
    submitted = form_class(formdata=MultiDict([("tickets", "T1\r\n\r\nT2\n")]))
    assert form_data(submitted) == {"tickets": ["T1", "T2"]}


class _TokenCSRF(CSRF):  # type: ignore[misc]
    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return "token"

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if field.data != "token":
            raise wtforms.ValidationError("CSRF failed.")


class CSRFForm(wtforms.Form):
    class Meta:
        csrf = True
        csrf_class = _TokenCSRF


def test_rows_do_not_need_csrf_tokens(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    formdata = to_formdata(cinema_data)
    form_class = build_form_class(cinema, base=CSRFForm)
    page = form_class(formdata=formdata)
    assert not page.validate()
    assert form_errors(page) == {"csrf_token": ["CSRF failed."]}
    formdata.add("csrf_token", "token")
    page = form_class(formdata=formdata)
    assert page.validate(), form_errors(page)
    assert form_data(page) == cinema_data


def test_validate_data_skips_csrf(cinema: FormDefinition, cinema_data: dict[str, Any]) -> None:
    assert validate_data(cinema, cinema_data, base=CSRFForm) == (cinema_data, {})


def test_key_clashing_with_the_base_class() -> None:
    class Base(wtforms.Form):
        def validate_name(self, field: Any) -> None:
            """An inline validator the compiled field would pick up by accident."""

    definition = make_form({"type": "textfield", "key": "name", "label": "名称"})
    with pytest.raises(ValueError, match="clashes"):
        build_form_class(definition, base=Base)


def test_package_does_not_import_flask_or_portal() -> None:
    package = Path(__file__).parents[2] / "forms"
    imported: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"flask", "flask_wtf", "portal"}), imported
    assert "wtforms" in imported
