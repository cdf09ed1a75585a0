"""Every decision reaches the applicant: a message in the portal, and an e-mail
to each user of the organisation with an address, sent by the scheduler's tick
after the decision committed (against a real SMTP server)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from portal.accounts.models import Organization, Role, User
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.mail.models import OutboxEmail
from portal.mail.outbox import (
    MAX_ATTEMPTS,
    DeliveryResult,
    Outbox,
    OutboxService,
    SmtpSettings,
    backoff,
)
from tests.api.test_refund_backfill import submitted
from tests.helpers import PASSWORD, Api, Factory, backfill_data
from tests.notifications.conftest import SENDER, SmtpServer, free_port
from tests.pages.support import signed_in, text

REASON = "营业执照照片不清晰，请重新上传。"
OFFICE = "office@cinema.test"


def tick(app: Flask) -> str:
    """``flask --app wsgi tick``; it succeeds even when e-mails fail."""
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def colleague_with_address(app: Flask, user: User, address: str, username: str) -> None:
    """A second user of ``user``'s organisation, created by the CLI with an e-mail address."""
    with app.app_context():
        organization = db.session.get(Organization, user.organization_id)
        assert organization is not None
        uscc = organization.uscc
    os.environ["PORTAL_PASSWORD"] = PASSWORD
    try:
        result = app.test_cli_runner().invoke(
            args=[
                "create-user",
                username,
                "--role",
                "applicant",
                "--org-uscc",
                uscc,
                "--email",
                address,
            ]
        )
    finally:
        del os.environ["PORTAL_PASSWORD"]
    assert result.exit_code == 0, result.output


def messages_about(client: Api, application: dict[str, Any]) -> list[dict[str, Any]]:
    items = client.get("/api/v1/notifications").get_json()["items"]
    return [n for n in items if n["application_id"] == application["id"]]


def outbox(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def cinema_user(app: Flask, factory: Factory) -> User:
    """A cinema whose registrant has no e-mail address, and whose office has one."""
    user = factory.applicant()
    colleague_with_address(app, user, OFFICE, "office")
    return user


@pytest.fixture
def cinema(api: Api, cinema_user: User) -> Api:
    return api.as_user(cinema_user)


@pytest.fixture
def hunan(api: Api, factory: Factory) -> Api:
    return api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))


def test_a_return_with_its_reasons_reaches_the_portal_and_the_mailbox_after_the_tick(
    app: Flask, cinema: Api, cinema_user: User, factory: Factory, smtp: SmtpServer
) -> None:
    hunan = cinema.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    away = factory.colleague(cinema_user, username="away")
    with app.app_context():  # a former colleague: disabled, so not mailed
        stored = db.session.get(User, away.id)
        assert stored is not None
        stored.email = "former@cinema.test"
        stored.active = False
        db.session.commit()
    application = cinema.submitted_cinema_application()

    returned = hunan.decide(application["id"], "return", REASON)

    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "returned"
    (message,) = messages_about(cinema, application)
    assert message["kind"] == "application_returned"
    assert application["number"] in message["message"]
    assert REASON in message["message"]
    assert not message["read"]
    assert smtp.received == []  # written with the decision, sent by the tick
    page = text(signed_in(app, "office").get("/applicant/notifications"))
    assert REASON in page
    assert application["number"] in page

    assert tick(app) == "0 timer(s) fired\n1 e-mail(s) sent, 0 to retry"

    (mail,) = smtp.received
    assert mail.recipients == [OFFICE]
    assert mail.message["From"] == SENDER
    assert application["number"] in mail.subject
    assert REASON in mail.body
    assert application["number"] in mail.body
    assert "https://portal.test/applicant/notifications" in mail.body
    (row,) = outbox(app)
    assert (row.recipient, row.attempts, row.last_error) == (OFFICE, 1, None)
    assert row.sent_at is not None
    assert tick(app) == "0 timer(s) fired"  # sent once
    assert len(smtp.received) == 1


def test_an_approval_tells_the_certificate_and_a_revocation_tells_why(
    app: Flask, cinema: Api, hunan: Api, factory: Factory, smtp: SmtpServer
) -> None:
    application = cinema.submitted_cinema_application()
    approved = hunan.decide(application["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    number = approved.get_json()["result"]["digital_certificate_number"]

    # One message for the decision, naming the certificate it issued.
    (message,) = messages_about(cinema, application)
    assert message["kind"] == "application_approved"
    assert application["number"] in message["message"]
    assert number in message["message"]
    assert tick(app).endswith("1 e-mail(s) sent, 0 to retry")
    (mail,) = smtp.to(OFFICE)
    assert number in mail.body

    admin = cinema.as_user(factory.staff(Role.ADMIN))
    revoked = admin.post(f"/api/v1/certificates/{number}/revoke", json={"reason": "影院已停业"})
    assert revoked.status_code == 200, revoked.get_json()
    kinds = [m["kind"] for m in messages_about(cinema, application)]
    assert kinds == ["certificate_revoked", "application_approved"]
    assert tick(app).endswith("1 e-mail(s) sent, 0 to retry")
    revocation = smtp.to(OFFICE)[-1]
    assert number in revocation.subject
    assert "影院已停业" in revocation.body


def test_a_mail_server_that_is_down_neither_blocks_nor_loses_the_decision(
    app: Flask, cinema: Api, hunan: Api, smtp: SmtpServer
) -> None:
    smtp.stop()
    application = cinema.submitted_cinema_application()

    returned = hunan.decide(application["id"], "return", REASON)

    assert returned.status_code == 200, returned.get_json()
    assert cinema.get(f"/api/v1/applications/{application['id']}").get_json()["status"] == (
        "returned"
    )
    assert tick(app) == "0 timer(s) fired\n0 e-mail(s) sent, 1 to retry"
    (row,) = outbox(app)
    assert row.attempts == 1
    assert row.sent_at is None
    assert row.last_error
    assert row.next_attempt_at is not None

    smtp.start()
    assert tick(app) == "0 timer(s) fired"  # waiting a minute before trying again
    assert smtp.received == []
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        assert tick(app) == "0 timer(s) fired\n1 e-mail(s) sent, 0 to retry"
    (mail,) = smtp.received
    assert REASON in mail.body
    (row,) = outbox(app)
    assert (row.attempts, row.sent_at is not None) == (2, True)


def test_a_process_message_and_its_decision_are_one_message_and_one_email(
    app: Flask, cinema: Api, hunan: Api, smtp: SmtpServer
) -> None:
    """The approval of a backfill opens its 48-hour window: the process words that
    message (``notify``), so the platform leaves no second one for the approval."""
    registration = cinema.submitted_cinema_application()
    code = hunan.decide(registration["id"], "approve").get_json()["result"]["cinema_code"]
    backfill = submitted(cinema, backfill_data(code))

    approved = hunan.decide(backfill["id"], "approve")

    assert approved.get_json()["status"] == "approved"
    (message,) = messages_about(cinema, backfill)
    assert message["kind"] == "window_opened"
    assert tick(app).endswith("2 e-mail(s) sent, 0 to retry")  # registration, backfill
    mail = smtp.to(OFFICE)[-1]
    assert backfill["number"] in mail.subject
    assert "48" in mail.body
    assert "Carry out the operation and confirm it in the portal within 48 hours." in mail.body


def test_an_email_the_server_keeps_refusing_is_retried_ever_later_then_given_up(
    app: Flask,
) -> None:
    """Nothing listens on the configured port: each tick counts an attempt and waits
    twice as long as before, up to :data:`MAX_ATTEMPTS`; the e-mail is then kept,
    with its last error, and no longer tried."""
    nowhere = Outbox(
        SmtpSettings(host="127.0.0.1", port=free_port(), sender=SENDER, starttls=False)
    )
    with app.app_context():
        nowhere.enqueue(db.session, [OFFICE, OFFICE, " "], "申请 / Application", "正文")
        db.session.commit()
        start = datetime.now(UTC) + timedelta(seconds=1)
        waits = []
        with time_machine.travel(start, tick=False) as traveller:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                assert OutboxService(db.session, nowhere).deliver_due() == DeliveryResult(0, 1)
                assert OutboxService(db.session, nowhere).deliver_due() == DeliveryResult(0, 0)
                (row,) = db.session.scalars(sa.select(OutboxEmail)).all()
                assert row.attempts == attempt
                if row.next_attempt_at is None:
                    break
                waits.append(row.next_attempt_at - utcnow())
                traveller.move_to(row.next_attempt_at)
        assert row.next_attempt_at is None  # given up
        assert row.sent_at is None
        assert "Connection refused" in (row.last_error or "")
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(waits) == backoff(MAX_ATTEMPTS) == timedelta(hours=6)
