"""The cast and helpers of the software filing API tests (P1).

The fixture ``cast`` is imported by the test modules by name
(``from tests.api.filing_fixtures import cast_fixture``): a vendor, an online
ticket agent, a national reviewer and the testing institute, each signed in
through the API.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import OrgType, Role, User
from portal.applications.models import Application, Task
from portal.core.db import Base
from portal.core.extensions import db
from portal.documents.models import Document
from portal.issuance.models import Announcement, Certificate
from portal.processes.software_filing.models import SoftwareFiling
from tests.filing import FilingSteps
from tests.helpers import Api, Factory, count_rows

CHINA = ZoneInfo("Asia/Shanghai")
APPS = "/api/v1/applications"
TASKS = "/api/v1/tasks"
# The tables a filing step writes to: a refused or invalid step leaves them as they were.
TABLES: tuple[type[Base], ...] = (
    Application,
    Task,
    Document,
    Certificate,
    SoftwareFiling,
    Announcement,
)


@dataclass
class Cast:
    app: Flask
    api: Api  # not signed in: the public
    factory: Factory
    vendor_user: User
    vendor: Api
    agent_user: User
    agent: Api
    national_user: User
    national: Api
    institute_user: User
    institute: Api

    @property
    def vendor_steps(self) -> FilingSteps:
        return FilingSteps(self.vendor, self.national, self.institute)

    @property
    def agent_steps(self) -> FilingSteps:
        return FilingSteps(self.agent, self.national, self.institute)

    def steps(self, applicant: Api) -> FilingSteps:
        return FilingSteps(applicant, self.national, self.institute)

    def signed_in_again(self) -> FilingSteps:
        """The vendor's steps with every actor signed in afresh (after moving the clock:
        tokens last 12 hours)."""
        return FilingSteps(
            self.api.as_user(self.vendor_user),
            self.api.as_user(self.national_user),
            self.api.as_user(self.institute_user),
        )

    def other_vendor(self) -> Api:
        return self.api.as_user(self.factory.applicant(org_type=OrgType.TICKETING_VENDOR))


@pytest.fixture(name="cast")
def cast_fixture(app: Flask, api: Api, factory: Factory) -> Cast:
    vendor = factory.applicant(org_type=OrgType.TICKETING_VENDOR, username="xingguang")
    agent = factory.applicant(org_type=OrgType.TICKET_AGENT, username="yunying")
    national = factory.staff(Role.NATIONAL_REVIEWER)
    institute = factory.staff(Role.TESTING_INSTITUTE)
    return Cast(
        app=app,
        api=api,
        factory=factory,
        vendor_user=vendor,
        vendor=api.as_user(vendor),
        agent_user=agent,
        agent=api.as_user(agent),
        national_user=national,
        national=api.as_user(national),
        institute_user=institute,
        institute=api.as_user(institute),
    )


def md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def china_today() -> date:
    return datetime.now(CHINA).date()


def day_before_anniversary(start: date, years: int) -> date:
    """The last day of a validity of ``years`` years from ``start`` (29 February's
    anniversary in a common year counted as 1 March)."""
    if (start.month, start.day) == (2, 29):
        return date(start.year + years, 2, 28)
    return start.replace(year=start.year + years) - timedelta(days=1)


def counts(app: Flask) -> dict[str, int]:
    """Row counts of every table a filing step writes to."""
    return {model.__tablename__: count_rows(app, model) for model in TABLES}


def seen(client: Api, application_id: str) -> dict[str, Any]:
    """The application as ``client`` reads it through the API."""
    response = client.get(f"{APPS}/{application_id}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def state(client: Api, application_id: str) -> dict[str, Any]:
    """What must not change after a refused call: status, number, data, open tasks,
    documents and the length of the history."""
    body = seen(client, application_id)
    return {
        "status": body["status"],
        "number": body["number"],
        "data": body["data"],
        "tasks": sorted(t["id"] for t in body["tasks"]),
        "documents": sorted(d["id"] for d in body["documents"]),
        "history": len(body["history"]),
        "result": body["result"],
    }


def public_certificate(api: Api, number: str) -> dict[str, Any]:
    """``GET /api/v1/certificates/{number}`` without signing in."""
    response = api.client.get(f"/api/v1/certificates/{number}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def complete(client: Api, task_id: str, data: Any) -> Any:
    return client.post(f"{TASKS}/{task_id}/complete", json={"data": data})


def announcements(app: Flask) -> list[Announcement]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Announcement).order_by(Announcement.id)))
        db.session.expunge_all()
        return rows
