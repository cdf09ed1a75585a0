"""Components with hide conditions, shared by the condition and hidden-field tests."""

from __future__ import annotations

from typing import Any

import pytest

from forms import (
    FormSchemaError,
)
from tests.forms.conftest import make_form

REQUIRED = "This field is required."

KIND = {
    "type": "select",
    "key": "kind",
    "label": "类型",
    "values": [{"label": "影院", "value": "cinema"}, {"label": "其他", "value": "other"}],
}
URGENT = {"type": "checkbox", "key": "urgent", "label": "加急"}
COUNT = {"type": "number", "key": "count", "label": "数量"}
NOTE = {"type": "textfield", "key": "note", "label": "备注"}
OPENED = {"type": "datetime", "subtype": "date", "key": "opened", "label": "开业日期"}
TOPICS = {
    "type": "checklist",
    "key": "topics",
    "label": "主题",
    "values": [{"label": "甲", "value": "a"}],
}
HALLS = {
    "type": "dynamiclist",
    "path": "halls",
    "label": "影厅",
    "components": [{"type": "number", "key": "seats", "label": "座位数"}],
}
PERMIT = {"type": "filepicker", "key": "permit", "label": "许可证", "accept": ".pdf"}


def hide(component: dict[str, Any], expression: Any, **extra: Any) -> dict[str, Any]:
    """``component`` with ``conditional.hide`` set to ``expression``."""
    return {**component, "conditional": {"hide": expression}, **extra}


def problems_of(*components: dict[str, Any]) -> list[str]:
    with pytest.raises(FormSchemaError) as info:
        make_form(*components)
    return info.value.problems
