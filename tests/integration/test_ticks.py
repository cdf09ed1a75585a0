"""Several ticks at once (several machines) never fire one timer twice."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask

from portal.applications.models import (
    Application,
    ApplicationStatus,
    Notification,
    Timer,
    TimerState,
)
from portal.applications.timers import TickResult, TimerService
from portal.core.extensions import db, processes
from tests.api.test_refund_backfill import Cast, at, cast, cinema_code, submitted
from tests.helpers import backfill_data
from tests.integration.test_concurrency import race

__all__ = ["cast", "cinema_code"]  # fixtures shared with the refund tests
APPLICATIONS = 12


def tick_in_own_context(app: Flask) -> TickResult:
    with app.app_context():
        return TimerService(db.session, processes.platform).fire_due()


def test_concurrent_ticks_fire_every_timer_exactly_once(
    cast: Cast, cinema_code: str, app: Flask
) -> None:
    with at(2026, 10, 12, 9):
        cinema, hunan = cast.as_(cast.cinema), cast.as_(cast.hunan)
        ids = []
        for n in range(APPLICATIONS):
            application = submitted(cinema, backfill_data(cinema_code, film=f"影片{n}"))
            assert hunan.decide(application["id"], "approve").status_code == 200
            ids.append(uuid.UUID(application["id"]))

    with at(2026, 10, 14, 10):  # 49 hours later: each has a reminder and a lapse due
        results = race([lambda: tick_in_own_context(app) for _ in range(4)])

    assert sum(r.fired for r in results) == 2 * APPLICATIONS
    assert all(r.failed == 0 for r in results)
    with app.app_context():
        statuses = db.session.scalars(
            sa.select(Application.status).where(Application.id.in_(ids))
        ).all()
        fired = db.session.scalar(
            sa.select(sa.func.count(Timer.id)).where(Timer.state == TimerState.FIRED)
        )
        kinds = db.session.execute(
            sa.select(Notification.application_id, Notification.kind).where(
                Notification.application_id.in_(ids)
            )
        ).all()
    assert statuses == [ApplicationStatus.LAPSED] * APPLICATIONS
    assert fired == 2 * APPLICATIONS
    assert len(kinds) == len(set(kinds)) == 3 * APPLICATIONS  # opened, closing, closed: once each
