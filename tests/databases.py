"""Creating and dropping the PostgreSQL databases the tests run in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from portal.core.db import create_db_engine


def create_database(server_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``server_url``; returns its URL.

    An existing database of that name (left by an interrupted run) is dropped first.
    """
    drop_database(server_url, name)
    admin = create_db_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(server_url).set(database=name)
    return url.render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    admin = create_db_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def scratch_database(
    server_url: str | None, folder: Path, run: str, label: str
) -> Iterator[Engine]:
    """An empty database of the backend under test, dropped afterwards: a file in
    ``folder`` (SQLite, when ``server_url`` is None) or a database on the server
    named after ``label``, the test run and the xdist worker."""
    if not server_url:
        engine = create_db_engine(f"sqlite:///{folder / 'scratch.sqlite'}")
        yield engine
        engine.dispose()
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{sa.engine.make_url(server_url).database}_{label}_{run[:8]}_{worker}"
    engine = create_db_engine(create_database(server_url, name))
    yield engine
    engine.dispose()
    drop_database(server_url, name)
