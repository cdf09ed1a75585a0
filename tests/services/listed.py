"""Rows for the signed-in lists, written straight into the tables (many at once,
fast): applications of many organisations with open, escalated and completed
reviewer tasks in Hunan, and one cinema's own applications, tasks and messages.

The rows share sort values on purpose (four applications per creation minute,
five tasks per deadline, every seventh task without one), so that the lists'
orders need their tie-breakers. Each application's process state and form data
are large, so that a list loading them would show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Organization, OrgType, Role, User
from portal.applications.definitions import model_of
from portal.applications.models import (
    Application,
    ApplicationReach,
    ApplicationStatus,
    Notification,
    ProcessDefinition,
    Task,
    TaskState,
)
from portal.applications.reach import desks
from portal.core.extensions import db
from tests.helpers import Factory, make_uscc

START = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
"""The first row's creation; the deadlines fall a few days later."""
NOW = START + timedelta(days=10)
"""When the lists are read: the deadlines of the escalated tasks have passed."""
LARGE = "x" * 20_000
"""A process state no list should read."""


@dataclass(frozen=True)
class Readers:
    """Who reads the lists: a Hunan provincial reviewer, a national reviewer and
    a cinema (the applicant whose own applications, tasks and messages these are)."""

    hunan: User
    national: User
    cinema: User


def readers(factory: Factory) -> Readers:
    return Readers(
        hunan=factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunanlist"),
        national=factory.staff(Role.NATIONAL_REVIEWER, username="nationallist"),
        cinema=factory.applicant(username="cinemalist"),
    )


def created(i: int) -> datetime:
    """Row ``i``'s creation: four rows per minute."""
    return START + timedelta(minutes=i // 4)


def due(i: int) -> datetime | None:
    """Row ``i``'s task deadline: five tasks per deadline hour, none for every seventh."""
    return None if i % 7 == 3 else START + timedelta(days=3, hours=i // 5)


def seed(app: Flask, people: Readers, count: int, *, first: int = 0) -> None:
    """Rows ``first`` to ``first + count - 1``: for each, an application of a new
    organisation with an open Hunan review task (every fourth escalated, every
    second claimed by the Hunan reviewer) and a completed one, and an application
    of the cinema with a correction task waiting for it and a message about it.

    The process model is compiled here (a running portal compiles it once per
    process and definition), so that a counted request does not."""
    with app.app_context():
        definition = db.session.scalars(
            sa.select(ProcessDefinition)
            .where(ProcessDefinition.key == "cinema_registration")
            .order_by(ProcessDefinition.version.desc())
        ).first()
        assert definition is not None
        model_of(definition)  # compiled once per worker, as a running portal does
        cinema_org = people.cinema.organization_id
        assert cinema_org is not None
        for i in range(first, first + count):
            org = Organization(
                name=f"列表影院{i}有限公司", uscc=make_uscc(), org_type=OrgType.CINEMA
            )
            db.session.add(org)
            db.session.flush()
            reviewed = _application(definition, org.id, people.cinema.id, f"LIST-A{i:04d}", i)
            own = _application(definition, cinema_org, people.cinema.id, f"LIST-B{i:04d}", i)
            db.session.add_all([reviewed, own])
            db.session.flush()
            review = _task(reviewed, i, "provincial_review", Role.PROVINCIAL_REVIEWER, "430102")
            if i % 2 == 0:
                review.assignee_id = people.hunan.id
                review.claimed_at = created(i)
            if i % 4 == 1:
                review.escalated_at = NOW - timedelta(days=1)
            done = _task(reviewed, i, "provincial_review", Role.PROVINCIAL_REVIEWER, "430102")
            done.state = TaskState.COMPLETED
            done.completed_by_id = people.hunan.id
            done.completed_at = created(i) + timedelta(hours=1)
            correct = _task(own, i, "correct", Role.APPLICANT, "")
            correct.organization_id = cinema_org
            db.session.add_all([review, done, correct])
            db.session.add_all(
                ApplicationReach(
                    application_id=reviewed.id,
                    role=role,
                    scope_prefix=prefix,
                    created_at=reviewed.created_at,
                )
                for role, prefix in desks(review)
            )
            db.session.add(
                Notification(
                    organization_id=cinema_org,
                    application_id=own.id,
                    kind="list_test",
                    params={},
                    created_at=created(i),
                )
            )
        db.session.commit()


def _application(
    definition: ProcessDefinition, org_id: int, user_id: int, number: str, i: int
) -> Application:
    return Application(
        id=uuid.uuid4(),
        definition_id=definition.id,
        process_key=definition.key,
        organization_id=org_id,
        created_by_id=user_id,
        number=number,
        status=ApplicationStatus.UNDER_REVIEW,
        data={"note": LARGE},
        result={},
        division_code="430102",
        workflow_state=LARGE,
        created_at=created(i),
        updated_at=created(i),
        submitted_at=created(i),
    )


def _task(application: Application, i: int, spec_id: str, role: Role, scope: str) -> Task:
    return Task(
        id=uuid.uuid4(),
        application_id=application.id,
        spec_id=spec_id,
        name=spec_id,
        form_key="cinema_registration" if role is Role.APPLICANT else "review",
        role=role,
        scope=scope,
        state=TaskState.OPEN,
        created_at=created(i),
        due_at=due(i),
    )
