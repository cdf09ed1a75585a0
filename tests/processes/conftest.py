"""Fixtures of the process package tests."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.helpers import Api, Factory
from tests.processes.cast import Zhengzhou


@pytest.fixture
def zhengzhou(api: Api, factory: Factory, client: FlaskClient) -> Zhengzhou:
    """Zhengzhou's cast for the pilot enterprise admission."""
    return Zhengzhou(api, factory, client)
