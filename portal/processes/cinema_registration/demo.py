"""Demo data of this process (``flask seed-demo``)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.applications.registry import Platform
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.actor import Actor
from portal.demo import attach, user
from portal.documents.services import DocumentService


def seed(session: Session, platform: Platform) -> Iterator[str]:
    cinema = user(session, "cinema")
    hunan = user(session, "hunan")
    if cinema is None or hunan is None:  # created just before; absent only if renamed
        return
    has_applications = session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.organization_id == cinema.organization_id
        )
    )
    if has_applications:
        return
    applicant, reviewer = Actor.of(cinema), Actor.of(hunan)
    applications = ApplicationService(session, platform)
    documents = DocumentService(session, platform)

    draft = applications.create(applicant, "cinema_registration", {"name": "星光影城（梅溪湖店）"})
    yield f"draft cinema registration {draft.id}"

    waiting = _complete_application(
        applications, documents, applicant, "星光影城（五一广场店）", "430102"
    )
    yield f"cinema registration {waiting.number} waiting for the Hunan review"

    approved = _complete_application(
        applications, documents, applicant, "星光影城（万达店）", "430103"
    )
    task = applications.open_tasks(approved)[0]
    TaskService(session, platform).complete(
        reviewer, task.id, {"decision": "approve", "comment": "材料齐全"}
    )
    session.refresh(approved)
    yield f"cinema registration {approved.number} approved: {approved.result['cinema_code']}"


def _complete_application(
    applications: ApplicationService,
    documents: DocumentService,
    applicant: Actor,
    name: str,
    division_code: str,
) -> Application:
    application = applications.create(
        applicant,
        "cinema_registration",
        {
            "name": name,
            "address": "湖南省长沙市五一大道100号",
            "division_code": division_code,
            "circuit": "湖南潇湘院线",
            "halls": [{"name": "1号厅", "seats": 168}, {"name": "2号厅", "seats": 96}],
            "contact_name": "张经理",
            "contact_mobile": "13800138000",
        },
    )
    for slot in ("business_licence", "screening_licence"):
        attach(documents, applicant, application, slot, f"{slot}.pdf")
    return applications.submit(applicant, application.id)
