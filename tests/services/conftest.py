"""Services are called directly, with the request's session of an app context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.core.extensions import db


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The database session of an app context kept open for the test."""
    with app.app_context():
        yield db.session
