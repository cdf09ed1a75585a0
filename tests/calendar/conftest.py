"""Fixtures of the working-calendar tests: services on the app's session, an administrator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Role
from portal.services.actor import Actor
from portal.services.calendar import CalendarService
from portal.services.workdays import WorkingCalendar
from tests.helpers import Factory


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield db.session


@pytest.fixture
def service(session: Session) -> CalendarService:
    return CalendarService(session)


@pytest.fixture
def calendar(session: Session) -> WorkingCalendar:
    return WorkingCalendar(session)


@pytest.fixture
def admin(factory: Factory) -> Actor:
    return Actor.of(factory.staff(Role.ADMIN, username="root"))
