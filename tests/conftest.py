"""Fixtures shared by the whole suite.

The suite runs against SQLite by default and against PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set (``make test`` does both). Each xdist
worker migrates its own database once; each test then starts from empty
tables: a fresh copy of the migrated SQLite file, or TRUNCATE on PostgreSQL.
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

from portal import create_app
from portal.db import Base, create_db_engine
from portal.extensions import db
from portal.migrations import upgrade
from portal.services import passwords
from tests.databases import create_database
from tests.helpers import FAST_PASSWORD_HASHER, Api, Auth, Factory

pytest_plugins = ["tests.s3server"]

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for this worker: a file path (SQLite) or a URL (PostgreSQL)."""
    if PG_URL:
        name = f"{sa.engine.make_url(PG_URL).database}_{_worker()}"
        worker_url = create_database(PG_URL, name)
        engine = create_db_engine(worker_url)
        upgrade(engine)
        engine.dispose()
        return worker_url
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database for one test."""
    if PG_URL:
        yield database_template
        _truncate_all(database_template)
        return
    path = tmp_path / "portal.sqlite"
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    engine = create_db_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with cheap Argon2id parameters (see FAST_PASSWORD_HASHER)."""
    monkeypatch.setattr(passwords, "HASHER", FAST_PASSWORD_HASHER)


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """The configuration of the test app; a test may change it before using ``app``."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "PORTAL_BASE_URL": "https://portal.test",
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
