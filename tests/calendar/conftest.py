"""Fixtures of the working-calendar tests: services on the app's session, an administrator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.applications.timers import year_hooks
from portal.calendar.services import CalendarService
from portal.calendar.workdays import WorkingCalendar
from portal.core.actor import Actor
from portal.core.extensions import db, processes
from tests.helpers import Factory


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield db.session


@pytest.fixture
def service(session: Session) -> CalendarService:
    """The calendar service as the admin page and the CLI build it: entering a year
    recounts the provisional deadlines."""
    return CalendarService(session, on_year_entered=year_hooks(processes.platform))


@pytest.fixture
def calendar(session: Session) -> WorkingCalendar:
    return WorkingCalendar(session)


@pytest.fixture
def admin(factory: Factory) -> Actor:
    return Actor.of(factory.staff(Role.ADMIN, username="root"))
