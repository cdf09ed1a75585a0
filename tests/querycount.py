"""Counting the SQL statements a block of code sends to the database.

``statements(engine)`` is a context manager over the engine's
``before_cursor_execute`` event: it yields a list that fills with the SQL text
of every statement executed inside the block (``executemany`` counts once: it
is one round trip of statements the driver batches). The fixture
``count_statements`` gives the same for the test app's engine; import it into a
test module to use it::

    from tests.querycount import count_statements  # noqa: F401  (a fixture)

    def test_x(count_statements: CountStatements) -> None:
        with count_statements() as executed:
            ...
        assert len(executed) <= 12, "\\n".join(executed)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from portal.core.extensions import db

CountStatements = Callable[[], AbstractContextManager[list[str]]]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements executed on ``engine`` while the block runs, in order."""
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def count_statements(app: Flask) -> CountStatements:
    """``statements`` over the test app's engine, as a factory of context managers."""
    with app.app_context():
        engine = db.engine
    return lambda: statements(engine)
