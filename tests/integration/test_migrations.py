"""The migrations build the schema the models describe, and can be undone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from portal.core.db import Base
from portal.core.migrations import downgrade, schema_drift, upgrade
from tests.databases import scratch_database

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


@pytest.fixture
def scratch_engine(tmp_path: Path, testrun_uid: str) -> Iterator[Engine]:
    """An empty database of the backend under test, dropped afterwards."""
    with scratch_database(PG_URL, tmp_path, testrun_uid, "migrations") as engine:
        yield engine


def test_models_and_migrations_agree(scratch_engine: Engine) -> None:
    upgrade(scratch_engine)
    assert schema_drift(scratch_engine) == []


def test_a_model_change_without_migration_is_caught(scratch_engine: Engine) -> None:
    upgrade(scratch_engine)
    changed = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["users"].append_column(sa.Column("nickname", sa.String(20)))
    drift = schema_drift(scratch_engine, changed)
    assert any("nickname" in str(d) for d in drift)


def test_downgrade_to_nothing_and_up_again(scratch_engine: Engine) -> None:
    upgrade(scratch_engine)
    downgrade(scratch_engine, "base")
    assert set(sa.inspect(scratch_engine).get_table_names()) <= {"alembic_version"}
    upgrade(scratch_engine)
    assert "applications" in sa.inspect(scratch_engine).get_table_names()
    assert schema_drift(scratch_engine) == []
