"""Resumable uploads and pickers: an app whose partial uploads live in the test's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.accounts.models import User
from tests.helpers import Api, Factory


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**app_config, "UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def cinema_user(factory: Factory) -> User:
    return factory.applicant()


@pytest.fixture
def cinema(api: Api, cinema_user: User) -> Api:
    return api.as_user(cinema_user)
