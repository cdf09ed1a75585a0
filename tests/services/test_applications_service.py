"""ApplicationService: the lifecycle rules shared by the pages and the API."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType, Role
from portal.applications.models import Application, ApplicationStatus, Task
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.actor import Actor
from portal.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal.core.extensions import processes
from portal.core.models import AuditEvent, Counter
from portal.documents.services import DocumentService
from tests.helpers import Factory, cinema_data, minimal_pdf


@pytest.fixture
def applicant(factory: Factory) -> Actor:
    return Actor.of(factory.applicant())


@pytest.fixture
def reviewer(factory: Factory) -> Actor:
    return Actor.of(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))


@pytest.fixture
def service(session: Session) -> ApplicationService:
    return ApplicationService(session, processes.platform)


def upload(session: Session, actor: Actor, application: Application, slot: str) -> None:
    DocumentService(session, processes.platform).upload_to_application(
        actor,
        application.id,
        slot_key=slot,
        filename=f"{slot}.pdf",
        declared_type="application/pdf",
        stream=io.BytesIO(minimal_pdf()),
    )


def complete_application(
    session: Session, service: ApplicationService, actor: Actor, **data: Any
) -> Application:
    application = service.create(actor, "cinema_registration", cinema_data(**data))
    upload(session, actor, application, "business_licence")
    upload(session, actor, application, "screening_licence")
    return application


def actions(session: Session, application: Application) -> list[str]:
    return list(
        session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.application_id == application.id)
            .order_by(AuditEvent.id)
        )
    )


# Which processes -----------------------------------------------------------------------


def test_startable_depends_on_the_org_type(
    service: ApplicationService, factory: Factory, applicant: Actor, reviewer: Actor
) -> None:
    vendor = Actor.of(factory.applicant(org_type=OrgType.TICKETING_VENDOR))
    assert [d.key for d in service.startable(applicant)] == [
        "cinema_registration",
        "refund_backfill",
    ]
    assert [d.key for d in service.startable(vendor)] == ["software_filing"]
    assert service.startable(reviewer) == []
    with pytest.raises(NotFound):
        service.startable_one(vendor, "cinema_registration")
    with pytest.raises(NotFound):
        service.startable_one(applicant, "software_filing")


# Creating and saving -------------------------------------------------------------------


def test_create(session: Session, service: ApplicationService, applicant: Actor) -> None:
    application = service.create(applicant, "cinema_registration", {"name": "影城"})

    assert application.status is ApplicationStatus.DRAFT
    assert application.number is None
    assert application.organization_id == applicant.organization_id
    assert application.data["name"] == "影城"
    assert actions(session, application) == ["created"]
    (task,) = service.open_tasks(application)
    assert (task.role, task.organization_id) == (Role.APPLICANT, applicant.organization_id)


@pytest.mark.parametrize("actor_kind", ["reviewer", "vendor"])
def test_only_the_right_applicants_create(
    session: Session,
    service: ApplicationService,
    factory: Factory,
    reviewer: Actor,
    actor_kind: str,
) -> None:
    actor = (
        reviewer
        if actor_kind == "reviewer"
        else Actor.of(factory.applicant(org_type=OrgType.TICKETING_VENDOR))
    )
    with pytest.raises(NotFound):
        service.create(actor, "cinema_registration", cinema_data())
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_create_refuses_malformed_data_and_keeps_nothing(
    session: Session, service: ApplicationService, applicant: Actor
) -> None:
    with pytest.raises(Invalid) as raised:
        service.create(applicant, "cinema_registration", {"halls": [{"seats": "many"}], "x": 1})
    assert {"halls.0.seats", "x"} <= set(raised.value.errors)
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    assert not session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id.is_not(None))
    ).all()


def test_update_merges(session: Session, service: ApplicationService, applicant: Actor) -> None:
    application = service.create(applicant, "cinema_registration", cinema_data())

    service.update_data(applicant, application.id, {"circuit": "万达院线"})

    session.expire_all()
    stored = service.get(applicant, application.id)
    assert stored.data["circuit"] == "万达院线"
    assert stored.data["name"] == "星光影城"
    assert actions(session, stored) == ["created", "saved"]


def test_a_reviewer_may_not_edit(
    session: Session, service: ApplicationService, applicant: Actor, reviewer: Actor
) -> None:
    application = complete_application(session, service, applicant)
    service.submit(applicant, application.id)
    with pytest.raises(Forbidden):
        service.update_data(reviewer, application.id, {"circuit": "万达院线"})


# Submitting ----------------------------------------------------------------------------


def test_submit_lists_everything_missing_and_draws_no_number(
    session: Session, service: ApplicationService, applicant: Actor
) -> None:
    application = service.create(applicant, "cinema_registration", {"name": "影城"})

    with pytest.raises(Invalid) as raised:
        service.submit(applicant, application.id)

    assert {
        "address",
        "division_code",
        "circuit",
        "halls",
        "contact_name",
        "contact_mobile",
        "business_licence",
        "screening_licence",
    } <= set(raised.value.errors)
    session.expire_all()
    stored = session.get(Application, application.id)
    assert stored is not None
    assert (stored.status, stored.number, stored.submitted_at) == ("draft", None, None)
    assert session.scalar(sa.select(sa.func.count()).select_from(Counter)) == 0
    assert actions(session, stored) == ["created"]


def test_submit_and_resubmit(
    session: Session, service: ApplicationService, applicant: Actor, reviewer: Actor
) -> None:
    application = complete_application(session, service, applicant)

    submitted = service.submit(applicant, application.id)
    number = submitted.number
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.division_code == "430102"
    assert number is not None
    with pytest.raises(Conflict):
        service.submit(applicant, application.id)
    with pytest.raises(Conflict):
        service.update_data(applicant, application.id, {"circuit": "万达院线"})

    tasks = TaskService(session, processes.platform)
    (review,) = tasks.inbox(reviewer)
    tasks.complete(reviewer, review.id, {"decision": "return", "comment": "请补正"})
    session.expire_all()
    assert service.get(applicant, application.id).status is ApplicationStatus.RETURNED

    service.update_data(applicant, application.id, {"circuit": "万达院线"})
    again = service.submit(applicant, application.id)

    assert again.status is ApplicationStatus.SUBMITTED
    assert again.number == number
    assert actions(session, again)[-1] == "resubmitted"


# Reading and withdrawing ---------------------------------------------------------------


def test_get_hides_other_organisations(
    session: Session, service: ApplicationService, factory: Factory, applicant: Actor
) -> None:
    application = service.create(applicant, "cinema_registration", cinema_data())
    stranger = Actor.of(factory.applicant())
    with pytest.raises(NotFound):
        service.get(stranger, application.id)
    with pytest.raises(NotFound):
        service.get(applicant, uuid.uuid4())
    assert service.list(stranger).items == []


def test_reviewer_sees_an_application_once_it_has_a_task_in_scope(
    session: Session, service: ApplicationService, applicant: Actor, reviewer: Actor
) -> None:
    application = complete_application(session, service, applicant)
    with pytest.raises(NotFound):
        service.get(reviewer, application.id)
    service.submit(applicant, application.id)
    assert service.get(reviewer, application.id).id == application.id
    assert [a.id for a in service.list(reviewer).items] == [application.id]


def test_withdraw_rules(
    session: Session, service: ApplicationService, applicant: Actor, reviewer: Actor
) -> None:
    waiting = complete_application(session, service, applicant)
    service.submit(applicant, waiting.id)
    claimed = complete_application(session, service, applicant)
    service.submit(applicant, claimed.id)
    tasks = TaskService(session, processes.platform)
    claimed_task = next(t for t in tasks.inbox(reviewer) if t.application_id == claimed.id)
    tasks.claim(reviewer, claimed_task.id)

    with pytest.raises(Forbidden):
        service.withdraw(reviewer, waiting.id)
    with pytest.raises(Conflict):
        service.withdraw(applicant, claimed.id)
    withdrawn = service.withdraw(applicant, waiting.id)

    assert withdrawn.status is ApplicationStatus.WITHDRAWN
    assert withdrawn.closed_at is not None
    assert [t.application_id for t in tasks.inbox(reviewer)] == [claimed.id]
    assert actions(session, withdrawn)[-1] == "withdrawn"
