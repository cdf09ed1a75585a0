"""Fixtures of the public pages: a cinema with a digital certificate, its reviewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from portal.accounts.models import Role, User
from tests.helpers import Api, Factory
from tests.pages.catalogue import compiled_catalogue

__all__ = ["compiled_catalogue"]


@dataclass
class People:
    """A cinema of Furong district (Hunan), Hunan's and Guangdong's reviewers."""

    cinema: User
    hunan: User
    guangdong: User


@pytest.fixture
def people(factory: Factory) -> People:
    return People(
        cinema=factory.applicant(username="cinema"),
        hunan=factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan"),
        guangdong=factory.staff(Role.PROVINCIAL_REVIEWER, "44", username="guangdong"),
    )


@pytest.fixture
def submitted(api: Api, people: People) -> dict[str, Any]:
    """The cinema's registration, submitted and waiting for Hunan."""
    return api.as_user(people.cinema).submitted_cinema_application()


@pytest.fixture
def registration(api: Api, people: People, submitted: dict[str, Any]) -> dict[str, Any]:
    """The registration approved by Hunan: the cinema holds a digital certificate."""
    approved = api.as_user(people.hunan).decide(submitted["id"], "approve")
    return dict(approved.get_json())


@pytest.fixture
def number(registration: dict[str, Any]) -> str:
    return str(registration["result"]["digital_certificate_number"])
