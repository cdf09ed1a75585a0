"""What publishing learns from the sandbox's compile-time policy: calls and literals the
run-time guards would refuse are refused before anything runs."""

from __future__ import annotations

import pytest

from workflows.sandbox import check_expression


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ('open("/etc/passwd")', "calling open()"),
        ('getattr(x, "y")', "calling getattr()"),
        ("vars()", "calling vars()"),
        ("type(x)", "calling type()"),
        ('"{}".format(secret)', "str.format()"),
        ('"{x}".format_map(data)', "str.format_map()"),
        ('"a" * 100_000_000', "more than 10000000"),
        ("[0] * 99_999_999", "more than 10000000"),
        ("list(range(10_000_000))", "range() longer than"),
    ],
)
def test_what_would_fail_at_run_time_is_refused_when_compiled(source: str, refused: str) -> None:
    """Publishing checks expressions with the compile-time policy: a call the run-time
    guards would refuse, or a literal beyond the budget, is refused before it runs."""
    problems = check_expression(source)
    assert len(problems) == 1, problems
    assert refused in problems[0]


@pytest.mark.parametrize("source", ['type == "bookstore"', 'data["format"]', '"ab" * 3'])
def test_names_that_only_look_refused_are_allowed(source: str) -> None:
    assert check_expression(source) == []
