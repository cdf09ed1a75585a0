"""Fixtures of the process package tests."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.helpers import Api, Factory
from tests.processes.cast import Zhengzhou
from tests.processes.packages import PROCESSES_DIR, publish


@pytest.fixture
def zhengzhou(api: Api, factory: Factory, client: FlaskClient) -> Zhengzhou:
    """Zhengzhou's cast for the pilot enterprise admission."""
    return Zhengzhou(api, factory, client)


@pytest.fixture
def published(zhengzhou: Zhengzhou) -> None:
    """The pilot admission package published by an administrator, as version 1."""
    response = publish(zhengzhou.admin, PROCESSES_DIR / "pilot_admission")
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"key": "pilot_admission", "version": 1}
