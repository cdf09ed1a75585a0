"""New keys are well-formed, dated in UTC and never repeat."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from storage import new_key, validate_key


def test_new_key_shape() -> None:
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False):
        key = new_key("certificates")

    assert re.fullmatch(r"certificates/2026/11/[0-9a-f]{32}", key)
    assert validate_key(key) == key


def test_new_key_month_is_utc() -> None:
    # 07:30 on 1 December in Beijing is still November in UTC.
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False):
        assert new_key("documents").startswith("documents/2026/11/")


def test_new_keys_do_not_repeat() -> None:
    keys = {new_key("documents") for _ in range(10_000)}

    assert len(keys) == 10_000


def test_nested_prefix() -> None:
    assert new_key("filings/software").startswith("filings/software/")


@pytest.mark.parametrize(
    "prefix", ["", "/documents", "documents/", "doc uments", ".hidden", "档案"]
)
def test_bad_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="key"):
        new_key(prefix)
