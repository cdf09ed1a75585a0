"""The application's history: every action, in order, with who did it; append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Role, User
from portal.cinemas.models import Cinema
from portal.core.extensions import db
from portal.core.models import AuditEvent
from tests.helpers import Api, Factory, count_rows, minimal_png

APPS = "/api/v1/applications"


def history(client: Api, application: dict[str, Any]) -> list[dict[str, Any]]:
    return list(client.get(f"{APPS}/{application['id']}").get_json()["history"])


def test_reject_path(api: Api, factory: Factory, cinema: Api, app: Flask) -> None:
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    hunan = api.as_user(reviewer)
    submitted = cinema.submitted_cinema_application()
    task = hunan.open_task(submitted["id"])

    response = hunan.decide(submitted["id"], "reject", "放映许可证已被吊销")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "rejected"
    assert body["result"] == {}
    assert "cinema_code" not in body["result"]
    assert body["tasks"] == []
    assert count_rows(app, Cinema) == 0
    seen_by_applicant = cinema.get(f"{APPS}/{submitted['id']}").get_json()
    (decision,) = [h for h in seen_by_applicant["history"] if h["action"] == "completed"]
    assert decision["decision"] == "reject"
    assert decision["comment"] == "放映许可证已被吊销"
    assert decision["actor"] == reviewer.display_name
    assert decision["task"] == task["name"]
    at = datetime.fromisoformat(decision["at"])
    assert at.utcoffset() is not None
    assert decision["at"].endswith("+08:00")
    assert "cinema_code_assigned" not in [h["action"] for h in seen_by_applicant["history"]]


def test_return_reasons_are_shown_to_the_applicant(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    hunan.decide(submitted["id"], "return", "二号厅座位数与座位图不符")

    (decision,) = [h for h in history(cinema, submitted) if h["action"] == "completed"]
    assert (decision["decision"], decision["comment"]) == ("return", "二号厅座位数与座位图不符")


def test_every_action_is_recorded_in_order_with_its_actor(
    api: Api, factory: Factory, cinema_user: User, cinema: Api
) -> None:
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    hunan = api.as_user(reviewer)
    created = cinema.new_cinema_application()
    url = f"{APPS}/{created['id']}"
    cinema.patch(url, json={"data": {"circuit": "万达院线"}})
    cinema.upload_licences(created["id"])
    cinema.post(f"{url}/submit")
    task = hunan.open_task(created["id"])
    hunan.post(f"/api/v1/tasks/{task['id']}/claim")
    hunan.decide(created["id"], "return", "营业执照不清晰")
    cinema.upload(f"{url}/documents", "business_licence", minimal_png(), "营业执照.png")
    cinema.post(f"{url}/submit")
    hunan.decide(created["id"], "approve")

    entries = history(cinema, created)

    applicant, province = cinema_user.display_name, reviewer.display_name
    assert [(h["action"], h["actor"]) for h in entries] == [
        ("created", applicant),
        ("saved", applicant),
        ("document_uploaded", applicant),
        ("document_uploaded", applicant),
        ("submitted", applicant),
        ("claimed", province),
        ("completed", province),
        ("document_uploaded", applicant),
        ("resubmitted", applicant),
        ("completed", province),
        ("cinema_code_assigned", province),
        ("certificate_issued", province),
    ]
    times = [datetime.fromisoformat(h["at"]) for h in entries]
    assert times == sorted(times)
    assert all(h["at"].endswith("+08:00") for h in entries)
    decisions = [(h["decision"], h["comment"]) for h in entries if h["action"] == "completed"]
    assert decisions == [("return", "营业执照不清晰"), ("approve", None)]
    assert entries[-2]["details"] == {"cinema_code": "43000001"}
    assert entries[-1]["details"] == {"number": "SZZS2026000001", "type": "digital_certificate"}


def test_history_is_the_same_for_reviewer_and_applicant(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    hunan.decide(submitted["id"], "return", "请补正")
    assert history(hunan, submitted) == history(cinema, submitted)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET comment = 'rewritten'",
        "UPDATE audit_events SET actor_name = 'someone else' WHERE action = 'created'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'created'",
    ],
)
def test_the_database_refuses_to_change_history(app: Flask, cinema: Api, statement: str) -> None:
    cinema.new_cinema_application()
    with app.app_context():
        before = db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.action, AuditEvent.comment, AuditEvent.actor_name)
        ).all()
    assert before

    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        try:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                connection.execute(sa.text(statement))
        finally:
            transaction.rollback()
            connection.close()

    with app.app_context():
        after = db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.action, AuditEvent.comment, AuditEvent.actor_name)
        ).all()
    assert after == before


def test_the_orm_cannot_change_history_either(app: Flask, cinema: Api) -> None:
    cinema.new_cinema_application()
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent)).first()
        assert event is not None
        event.comment = "rewritten"
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
