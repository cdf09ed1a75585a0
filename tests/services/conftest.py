"""Services are called directly, with the request's session of an app context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.services import passwords
from tests.helpers import FAST_PASSWORD_HASHER


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The database session of an app context kept open for the test."""
    with app.app_context():
        yield db.session


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with cheap Argon2id parameters (see FAST_PASSWORD_HASHER)."""
    monkeypatch.setattr(passwords, "_HASHER", FAST_PASSWORD_HASHER)
