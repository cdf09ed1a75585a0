"""The tick works in batches: one failing application stays alone, the rest commit."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask

from portal.applications.models import Application, ApplicationStatus, Timer, TimerState
from portal.applications.timers import TimerService
from portal.core.extensions import db, processes
from tests.api.test_refund_backfill import Cast, at, cast, cinema_code, submitted
from tests.helpers import backfill_data
from tests.integration.test_concurrency import race
from tests.integration.test_ticks import tick_in_own_context

__all__ = ["cast", "cinema_code"]  # fixtures shared with the refund tests
APPLICATIONS = 5


def approved_backfills(cast: Cast, cinema_code: str) -> list[uuid.UUID]:
    """Applications approved on 12 October 2026: each has a reminder and a lapse
    due 49 hours later."""
    ids = []
    with at(2026, 10, 12, 9):
        cinema, hunan = cast.as_(cast.cinema), cast.as_(cast.hunan)
        for n in range(APPLICATIONS):
            application = submitted(cinema, backfill_data(cinema_code, film=f"影片{n}"))
            assert hunan.decide(application["id"], "approve").status_code == 200
            ids.append(uuid.UUID(application["id"]))
    return ids


def statuses(app: Flask, ids: list[uuid.UUID]) -> list[ApplicationStatus]:
    with app.app_context():
        rows = dict(
            db.session.execute(
                sa.select(Application.id, Application.status).where(Application.id.in_(ids))
            ).all()
        )
    return [rows[i] for i in ids]


def test_a_failing_application_is_rolled_back_alone_and_recorded(
    cast: Cast, cinema_code: str, app: Flask
) -> None:
    ids = approved_backfills(cast, cinema_code)
    broken = ids[2]
    with app.app_context():
        db.session.execute(
            sa.update(Application).where(Application.id == broken).values(workflow_state="{")
        )
        db.session.commit()

    with at(2026, 10, 14, 10), app.app_context():
        result = TimerService(db.session, processes.platform).fire_due(batch=2)

    assert (result.fired, result.failed) == (2 * (APPLICATIONS - 1), 1)
    expected = [ApplicationStatus.LAPSED] * APPLICATIONS
    expected[2] = ApplicationStatus.APPROVED
    assert statuses(app, ids) == expected
    with app.app_context():
        timers = db.session.scalars(
            sa.select(Timer).where(
                Timer.application_id == broken, Timer.state == TimerState.WAITING
            )
        ).all()
    assert len(timers) == 2  # the reminder and the lapse, still waiting
    assert all(t.attempts == 1 and "JSONDecodeError" in (t.last_error or "") for t in timers)


def test_concurrent_ticks_in_small_batches_fire_every_timer_once(
    cast: Cast, cinema_code: str, app: Flask
) -> None:
    ids = approved_backfills(cast, cinema_code)

    def tick() -> tuple[int, int]:
        with app.app_context():
            result = TimerService(db.session, processes.platform).fire_due(batch=2)
            return result.fired, result.failed

    with at(2026, 10, 14, 10):
        results = race([tick for _ in range(3)])
        again = tick_in_own_context(app)

    assert sum(fired for fired, _ in results) == 2 * APPLICATIONS
    assert all(failed == 0 for _, failed in results)
    assert (again.fired, again.failed) == (0, 0)
    assert statuses(app, ids) == [ApplicationStatus.LAPSED] * APPLICATIONS
