"""Fixtures shared by the whole suite.

The suite runs against SQLite by default and against PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set (``make test`` does both). Each xdist
worker migrates its own database once and stores the packaged working
calendar in it; each test then starts from empty tables but that calendar: a
fresh copy of the migrated SQLite file, or TRUNCATE on PostgreSQL. Likewise
each worker creates the portal's keys once (two RSA-3072 keys take about half
a second) and each test app gets a copy of the folder of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from certificates import KeyStore
from portal import create_app
from portal.accounts import passwords
from portal.calendar.models import CalendarDay, CalendarSource, CalendarYear
from portal.calendar.services import CalendarService
from portal.core.db import Base, create_db_engine, make_session_factory
from portal.core.extensions import db
from portal.core.migrations import upgrade
from tests.databases import create_database, drop_database
from tests.helpers import FAST_PASSWORD_HASHER, Api, Auth, Factory

pytest_plugins = ["tests.s3server"]

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
KEYS_PASSPHRASE = "test-keys-passphrase-not-for-production"
# What TRUNCATE ... RESTART IDENTITY does, for a table emptied with DELETE.
RESTART_SEQUENCE = sa.text(
    "SELECT setval(pg_get_serial_sequence(:table, :column), 1, false) "
    "WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` (races that SQLite serialises away) run only when the
    suite runs on PostgreSQL; ``make test`` runs it on both."""
    if PG_URL:
        return
    on_sqlite = pytest.mark.skip(reason="a PostgreSQL race; this run is on SQLite")
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(on_sqlite)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, testrun_uid: str) -> Iterator[str]:
    """A migrated database for this worker: a file path (SQLite) or a URL (PostgreSQL).

    A PostgreSQL database is named after the run and the worker, so two test runs
    on one server never share one, and is dropped when the worker ends.
    """
    if PG_URL:
        name = f"{sa.engine.make_url(PG_URL).database}_{testrun_uid[:8]}_{_worker()}"
        worker_url = create_database(PG_URL, name)
        _migrate_and_seed(worker_url)
        yield worker_url
        drop_database(PG_URL, name)
        return
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate_and_seed(f"sqlite:///{path}")
    yield str(path)


def _migrate_and_seed(url: str) -> None:
    """Migrate, then store the packaged working calendar (so no test pays for seeding it)."""
    engine = create_db_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        CalendarService(session).seed_from_package()
    engine.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database for one test, empty but for the packaged working calendar."""
    if PG_URL:
        yield database_template
        _truncate_all(database_template)
        return
    path = tmp_path / "portal.sqlite"
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    """Empty every table but the packaged working calendar, seeded once per worker.

    TRUNCATE ... CASCADE would empty the calendar too (its years reference
    users), so the tables the calendar references are emptied with DELETE.
    """
    engine = create_db_engine(url)
    kept = {CalendarYear.__table__, CalendarDay.__table__}
    referenced = _referenced_by(kept) - kept
    truncated = [t for t in Base.metadata.sorted_tables if t not in kept | referenced]
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in truncated)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY"))
        entered = sa.select(CalendarYear.year).where(CalendarYear.source != CalendarSource.PACKAGE)
        connection.execute(sa.delete(CalendarDay).where(CalendarDay.year.in_(entered)))
        connection.execute(sa.delete(CalendarYear).where(CalendarYear.year.in_(entered)))
        for table in reversed([t for t in Base.metadata.sorted_tables if t in referenced]):
            connection.execute(table.delete())
            for column in table.primary_key.columns:
                connection.execute(RESTART_SEQUENCE, {"table": table.name, "column": column.name})
    with make_session_factory(engine)() as session:
        CalendarService(session).seed_from_package()  # a test replaced a packaged year
    engine.dispose()


def _referenced_by(tables: set[sa.Table]) -> set[sa.Table]:
    """``tables`` and every table they reference, directly or not."""
    found = set(tables)
    pending = list(tables)
    while pending:
        for key in pending.pop().foreign_keys:
            if key.column.table not in found:
                found.add(key.column.table)
                pending.append(key.column.table)
    return found


@pytest.fixture(scope="session")
def keys_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The portal's keys (root CA, document signing, JWS), created once per worker."""
    folder = tmp_path_factory.mktemp("keys") / "keys"
    KeyStore(folder, KEYS_PASSPHRASE.encode()).ensure()
    return folder


@pytest.fixture
def keys_dir(keys_template: Path, tmp_path: Path) -> Path:
    """A copy of the keys for one test (which may rotate them), modes kept."""
    return Path(shutil.copytree(keys_template, tmp_path / "keys"))


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with cheap Argon2id parameters (see FAST_PASSWORD_HASHER)."""
    monkeypatch.setattr(passwords, "HASHER", FAST_PASSWORD_HASHER)


@pytest.fixture
def app_config(database_url: str, tmp_path: Path, keys_dir: Path) -> dict[str, Any]:
    """The configuration of the test app; a test may change it before using ``app``."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "PORTAL_BASE_URL": "https://portal.test",
        "KEYS_DIR": str(keys_dir),
        "KEYS_PASSPHRASE": KEYS_PASSPHRASE,
        # A tick would make RSA keys for the pool; the pool's own tests turn it on.
        "KEY_POOL_SIZE": 0,
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app() -> Iterator[Callable[[dict[str, Any]], Flask]]:
    """Build extra apps (more "machines"); their database pools close at the end."""
    created: list[Flask] = []

    def make(config: dict[str, Any]) -> Flask:
        application = create_app(config)
        created.append(application)
        return application

    yield make
    for application in created:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Factory:
    """Creates organisations and users through the real services."""
    return Factory(app)


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)
