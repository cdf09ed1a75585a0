"""Demo data of this process (``flask seed-demo``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.applications.registry import Platform
from portal.applications.services import ApplicationService
from portal.cinemas.models import Cinema
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.demo import attach, user
from portal.documents.services import DocumentService


def seed(session: Session, platform: Platform) -> Iterator[str]:
    """A refund the demo cinema asked for after a power cut, waiting for Hunan."""
    cinema = user(session, "cinema")
    code = (
        session.scalar(
            sa.select(Cinema.code).where(Cinema.organization_id == cinema.organization_id)
        )
        if cinema
        else None
    )
    if (
        cinema is None
        or code is None
        or session.scalar(
            sa.select(Application.id).where(
                Application.organization_id == cinema.organization_id,
                Application.process_key == "refund_backfill",
            )
        )
    ):
        return
    applicant = Actor.of(cinema)
    show_end = utcnow().astimezone(CHINA).replace(minute=0, second=0, microsecond=0) - timedelta(
        days=1
    )
    application = ApplicationService(session, platform).create(
        applicant,
        "refund_backfill",
        {
            "cinema_code": code,
            "kind": "refund",
            "film": "流浪地球3",
            "hall": "1号厅",
            "show_start": (show_end - timedelta(hours=2)).isoformat(),
            "show_end": show_end.isoformat(),
            "ticket_count": 4,
            "amount": "180.00",
            "ticket_numbers": ["A0101", "A0102", "A0103", "A0104"],
            "cause": "放映中途停电，场次中断，当时票务软件无法退票。",
        },
    )
    attach(DocumentService(session, platform), applicant, application, "evidence", "停电通知.pdf")
    submitted = ApplicationService(session, platform).submit(applicant, application.id)
    yield f"refund {submitted.number} waiting for the Hunan review (3 working days)"
