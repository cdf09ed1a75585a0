"""Fixtures for the forms tests: the built-in definitions and a schema builder."""

from __future__ import annotations

from typing import Any

import pytest

from forms import FormDefinition, parse_form, parse_forms
from tests.packages import all_forms

# A money field and two choices, shared by the data and field-kind tests.
AMOUNT = {
    "type": "number",
    "key": "amount",
    "label": "金额",
    "decimalDigits": 2,
    "validate": {"min": 0, "max": 100000},
}
CHOICES = [{"label": "甲", "value": "a"}, {"label": "乙", "value": "b"}]


@pytest.fixture(scope="session")
def builtin() -> dict[str, FormDefinition]:
    return parse_forms(all_forms())


@pytest.fixture(scope="session")
def cinema(builtin: dict[str, FormDefinition]) -> FormDefinition:
    return builtin["cinema_registration"]


@pytest.fixture(scope="session")
def review(builtin: dict[str, FormDefinition]) -> FormDefinition:
    return builtin["review"]


@pytest.fixture
def cinema_data() -> dict[str, Any]:
    """A complete, valid cinema registration."""
    return {
        "name": "星光影城",
        "address": "长沙市芙蓉区五一大道 100 号",
        "division_code": "430102",
        "circuit": "万达院线",
        "halls": [{"name": "1号厅", "seats": 120}, {"name": "IMAX厅", "seats": 380}],
        "contact_name": "张三",
        "contact_mobile": "13800138000",
    }


def make_schema(*components: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal form-js schema holding ``components``."""
    return {
        "type": "default",
        "id": "sample",
        "schemaVersion": 16,
        "components": list(components),
        **extra,
    }


def make_form(*components: dict[str, Any]) -> FormDefinition:
    """Parse a minimal schema holding ``components``."""
    return parse_form(make_schema(*components))
