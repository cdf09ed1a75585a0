"""Scratch databases for benchmarks: created, migrated, and dropped afterwards.

A benchmark measures a database of its own, never one a developer or a test
run uses: on PostgreSQL a new database on the given server (dropped first if an
interrupted run left it), on SQLite a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.core.db import create_db_engine
from portal.core.migrations import upgrade
from tests.databases import create_database, drop_database

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def add_database_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """``--backend`` (postgresql, sqlite or both) and ``--server`` (the PostgreSQL
    server on which the scratch database ``name`` is created and dropped)."""
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_SERVER),
        help=f"PostgreSQL server URL (env BENCH_PG_URL); a database {name!r} "
        "is created on it and dropped afterwards",
    )


@contextmanager
def scratch_database(
    backend: str, *, server_url: str, name: str, keep: bool = False
) -> Iterator[str]:
    """A migrated, empty database; yields its URL.

    ``backend`` is ``postgresql`` (a database ``name`` on the server of
    ``server_url``) or ``sqlite`` (a file in a temporary folder). The database
    is dropped on leaving, unless ``keep`` (PostgreSQL only, for inspection).

    :raise ValueError: an unknown ``backend``.
    """
    if backend == "postgresql":
        url = create_database(server_url, name)
        try:
            migrate(url)
            yield url
        finally:
            if not keep:
                drop_database(server_url, name)
    elif backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
            url = f"sqlite:///{Path(folder) / f'{name}.sqlite'}"
            migrate(url)
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}: postgresql or sqlite")


def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest migration."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
