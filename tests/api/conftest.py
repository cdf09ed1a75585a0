"""Signed-in API clients for the usual cast: a cinema, and reviewers in and out of scope."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role, User
from tests.helpers import Api, Factory


@pytest.fixture
def cinema_user(factory: Factory) -> User:
    """The applicant user of a cinema (its applications are in Changsha, Hunan)."""
    return factory.applicant()


@pytest.fixture
def cinema(api: Api, cinema_user: User) -> Api:
    return api.as_user(cinema_user)


@pytest.fixture
def other_cinema(api: Api, factory: Factory) -> Api:
    """An applicant of another organisation."""
    return api.as_user(factory.applicant())


@pytest.fixture
def hunan(api: Api, factory: Factory) -> Api:
    """A provincial reviewer of Hunan (43), where the cinema is."""
    return api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))


@pytest.fixture
def beijing(api: Api, factory: Factory) -> Api:
    """A provincial reviewer of Beijing (11): out of the cinema's scope."""
    return api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "11"))


@pytest.fixture
def national(api: Api, factory: Factory) -> Api:
    return api.as_user(factory.staff(Role.NATIONAL_REVIEWER))
