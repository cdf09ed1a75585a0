"""A deployment that never ran ``pybabel compile`` still serves Chinese pages."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.core.extensions import babel, db

SHIPPED = Path(__file__).resolve().parents[2] / "portal" / "translations"


@pytest.fixture
def fresh_translations(app: Flask) -> Iterator[None]:
    """Forget the catalogues loaded by earlier apps of this process (Flask-Babel
    caches them per process), before and after the test."""
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with app.app_context():
        babel.domain_instance.cache.clear()


@pytest.fixture
def uncompiled(tmp_path: Path) -> Path:
    """A copy of the shipped catalogues without any compiled ``.mo`` file."""
    folder = Path(shutil.copytree(SHIPPED, tmp_path / "translations"))
    for mo in folder.rglob("*.mo"):
        mo.unlink()
    return folder


def _home_page(app_config: dict[str, Any], folder: Path) -> str:
    app = create_app({**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(folder)})
    try:
        return app.test_client().get("/").get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_missing_catalogues_are_compiled_at_start_up(
    fresh_translations: None, app_config: dict[str, Any], uncompiled: Path
) -> None:
    page = _home_page(app_config, uncompiled)

    assert (uncompiled / "zh" / "LC_MESSAGES" / "messages.mo").exists()
    assert "电影和文化审批服务平台" in page
    assert 'lang="zh' in page


def test_a_catalogue_older_than_its_source_is_compiled_again(
    fresh_translations: None, app_config: dict[str, Any], uncompiled: Path
) -> None:
    mo = uncompiled / "zh" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(b"")  # a stale, broken build from before the .po changed
    os.utime(mo, (0, 0))

    page = _home_page(app_config, uncompiled)

    assert mo.stat().st_size > 0
    assert "电影和文化审批服务平台" in page


def test_an_up_to_date_catalogue_is_left_alone(
    fresh_translations: None, app_config: dict[str, Any], uncompiled: Path
) -> None:
    _home_page(app_config, uncompiled)
    mo = uncompiled / "zh" / "LC_MESSAGES" / "messages.mo"
    compiled_at = mo.stat().st_mtime_ns

    _home_page(app_config, uncompiled)

    assert mo.stat().st_mtime_ns == compiled_at


def test_a_folder_that_cannot_be_written_is_compiled_into_the_instance_folder(
    fresh_translations: None, app_config: dict[str, Any], uncompiled: Path
) -> None:
    """Writing the ``.mo`` beside its ``.po`` fails (here: a directory stands where
    the temporary file would go, which stops root too); the instance folder is used."""
    messages = uncompiled / "zh" / "LC_MESSAGES"
    (messages / f".messages.mo.{os.getpid()}.tmp").mkdir()

    page = _home_page(app_config, uncompiled)

    assert not (messages / "messages.mo").exists()
    assert "电影和文化审批服务平台" in page
