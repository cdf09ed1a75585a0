"""Real concurrency: requests racing on one database (PostgreSQL row locks, SQLite versions).

Each thread has its own test client, app context and database session, so the
races below happen in the database exactly as between two portal machines.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Role
from portal.applications.models import Task, TaskState
from portal.cinemas.models import Cinema
from portal.core.extensions import db
from portal.core.models import AuditEvent
from tests.helpers import Api, Factory


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at the same moment in threads and return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_reviewers_completing_one_task_exactly_one_wins(
    app: Flask, api: Api, factory: Factory
) -> None:
    cinema = api.as_user(factory.applicant())
    reviewers = [api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43")) for _ in range(2)]
    for attempt in range(5):
        application = cinema.submitted_cinema_application(name=f"影城{attempt}")
        task = reviewers[0].open_task(application["id"])
        url = f"/api/v1/tasks/{task['id']}/complete"
        payload = {"data": {"decision": "approve", "comment": ""}}
        responses = race([lambda r=r, u=url, p=payload: r.post(u, json=p) for r in reviewers])

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.get_json() for r in responses]
        with app.app_context():
            completions = db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "completed",
                    AuditEvent.application_id == uuid.UUID(application["id"]),
                )
            )
            states = db.session.scalars(
                sa.select(Task.state).where(Task.id == uuid.UUID(task["id"]))
            ).all()
        assert completions == 1
        assert states == [TaskState.COMPLETED]
    with app.app_context():
        codes = db.session.scalars(sa.select(Cinema.code).order_by(Cinema.code)).all()
    assert codes == [f"4300000{i}" for i in range(1, 6)]


def test_concurrent_approvals_never_share_a_cinema_code(
    app: Flask, api: Api, factory: Factory
) -> None:
    cinema = api.as_user(factory.applicant())
    reviewers = [api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43")) for _ in range(6)]
    applications = [cinema.submitted_cinema_application(name=f"影城{i}") for i in range(6)]
    responses = race(
        [
            lambda r=r, a=a: r.decide(a["id"], "approve")
            for r, a in zip(reviewers, applications, strict=True)
        ]
    )
    codes = [r.get_json()["result"]["cinema_code"] for r in responses if r.status_code == 200]
    conflicts = [r for r in responses if r.status_code != 200]
    # PostgreSQL serialises on the counter row; SQLite may refuse a loser with 409.
    assert all(r.status_code == 409 for r in conflicts)
    assert len(codes) == len(set(codes)) >= 1
    assert all(code.startswith("43") and len(code) == 8 for code in codes)
    with app.app_context():
        stored = db.session.scalars(sa.select(Cinema.code)).all()
    assert sorted(stored) == sorted(codes)


def test_claim_race_has_one_winner(api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant())
    reviewers = [api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43")) for _ in range(3)]
    application = cinema.submitted_cinema_application()
    task = reviewers[0].open_task(application["id"])
    responses = race([lambda r=r: r.post(f"/api/v1/tasks/{task['id']}/claim") for r in reviewers])
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    winner = next(r for r in responses if r.status_code == 200).get_json()["assignee"]
    seen = reviewers[0].get(f"/api/v1/tasks/{task['id']}").get_json()
    assert seen["assignee"] == winner
