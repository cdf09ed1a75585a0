"""Fixtures of the page tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from portal.accounts.models import OrgType, Role, User
from tests.helpers import Api, Factory
from tests.pages.catalogue import compiled_catalogue
from tests.pages.refunds import at

__all__ = ["compiled_catalogue"]


@dataclass
class People:
    """A cinema of Furong district (Hunan) and the reviewers of refunds and backfills."""

    cinema: User
    hunan: User
    guangdong: User
    national: User


@dataclass
class Team:
    """Software filing: a ticketing-software vendor, an online ticket agent, the
    National Film Fund Office's reviewer and the testing institute."""

    vendor: User
    agent: User
    national: User
    institute: User


@pytest.fixture
def team(factory: Factory) -> Team:
    return Team(
        vendor=factory.applicant(org_type=OrgType.TICKETING_VENDOR, username="vendor"),
        agent=factory.applicant(org_type=OrgType.TICKET_AGENT, username="agent"),
        national=factory.staff(Role.NATIONAL_REVIEWER, username="national"),
        institute=factory.staff(Role.TESTING_INSTITUTE, username="institute"),
    )


@pytest.fixture
def people(factory: Factory) -> People:
    return People(
        cinema=factory.applicant(username="cinema"),
        hunan=factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan"),
        guangdong=factory.staff(Role.PROVINCIAL_REVIEWER, "44", username="guangdong"),
        national=factory.staff(Role.NATIONAL_REVIEWER, username="national"),
    )


@pytest.fixture
def cinema_code(app: Flask, api: Api, people: People) -> str:
    """The cinema's code: registered on 1 September 2026 and approved by Hunan."""
    with at(2026, 9, 1, 9):
        registered = api.as_user(people.cinema).submitted_cinema_application()
        decided = api.as_user(people.hunan).decide(registered["id"], "approve")
    return str(decided.get_json()["result"]["cinema_code"])
