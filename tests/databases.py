"""Creating and dropping the PostgreSQL databases the tests run in."""

from __future__ import annotations

import sqlalchemy as sa

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
