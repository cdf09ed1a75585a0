"""Writing e-mails into the outbox, and delivering them over SMTP.

:meth:`Outbox.enqueue` adds rows inside the caller's transaction, so an e-mail
exists exactly when what it tells was committed. :meth:`OutboxService.deliver_due`
(called by ``flask --app wsgi tick``) sends what is due, each e-mail outside any
database transaction: it first claims the row with a conditional UPDATE (a lease
of :data:`LEASE`), so ticks on several machines never send one e-mail twice, then
sends it and records the outcome. A failed send is tried again later, waiting
twice as long each time (:func:`backoff`), and given up after
:data:`MAX_ATTEMPTS`; it never raises into the caller.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.core.db import utcnow
from portal.core.transactions import transaction
from portal.mail.models import OutboxEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=5)
MAX_SUBJECT = 300
MAX_RECIPIENT = 254


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes (``SMTP_*`` settings); see README, Configuration."""

    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = True
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings in ``config`` (Flask's), or None when ``SMTP_HOST`` is unset."""
        host = str(config.get("SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 587),
            user=str(config.get("SMTP_USER") or ""),
            password=str(config.get("SMTP_PASSWORD") or ""),
            sender=str(config.get("SMTP_FROM") or ""),
            starttls=bool(config.get("SMTP_STARTTLS", True)),
        )


@dataclass(frozen=True)
class Outbox:
    """The deployment's e-mail: ``smtp`` None means no e-mail at all (nothing is
    written, so configuring SMTP later sends nothing old)."""

    smtp: SmtpSettings | None = None

    @property
    def enabled(self) -> bool:
        return self.smtp is not None

    def enqueue(
        self, session: Session, recipients: Iterable[str], subject: str, body: str
    ) -> list[OutboxEmail]:
        """Add one e-mail per distinct recipient to the caller's transaction.

        Returns the rows (none when e-mail is disabled or nobody has an address).
        """
        if not self.enabled:
            return []
        subject = " ".join(subject.split())[:MAX_SUBJECT]
        rows = [
            OutboxEmail(recipient=address, subject=subject, body=body)
            for address in sorted({r.strip() for r in recipients if r and r.strip()})
            if len(address) <= MAX_RECIPIENT
        ]
        session.add_all(rows)
        return rows


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1 min, 2, 4 ... at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


class OutboxService:
    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def deliver_due(self, *, limit: int = 200) -> DeliveryResult:
        """Send the e-mails that are due, each once; never raises for a failed send.

        Does nothing when e-mail is disabled. A failure (connection refused,
        timeout, a refused recipient) counts an attempt, records the error and
        waits :func:`backoff`; after :data:`MAX_ATTEMPTS` the e-mail is given up.
        """
        smtp = self.outbox.smtp
        if smtp is None:
            return DeliveryResult(0, 0)
        sent = failed = 0
        for email_id in self._due(limit):
            email = self._claim(email_id)
            if email is None:
                continue
            try:
                send(smtp, email.recipient, email.subject, email.body)
            except (OSError, smtplib.SMTPException, ValueError) as exc:  # never raises
                failed += 1
                log.warning("e-mail %s to %s failed: %s", email.id, email.recipient, exc)
                self._record_failure(email.id, exc)
            else:
                sent += 1
                with transaction(self.session):
                    self.session.execute(
                        sa.update(OutboxEmail)
                        .where(OutboxEmail.id == email.id)
                        .values(sent_at=utcnow(), attempts=OutboxEmail.attempts + 1)
                    )
        return DeliveryResult(sent, failed)

    def _due(self, limit: int) -> list[int]:
        now = utcnow()
        with transaction(self.session):  # read only
            return list(
                self.session.scalars(
                    sa.select(OutboxEmail.id)
                    .where(
                        OutboxEmail.sent_at.is_(None),
                        OutboxEmail.next_attempt_at.is_not(None),
                        OutboxEmail.next_attempt_at <= now,
                    )
                    .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                    .limit(limit)
                )
            )

    def _claim(self, email_id: int) -> OutboxEmail | None:
        """Take the e-mail for :data:`LEASE` (None: another tick has it or sent it)."""
        now = utcnow()
        with transaction(self.session):
            claimed = self.session.execute(
                sa.update(OutboxEmail)
                .where(
                    OutboxEmail.id == email_id,
                    OutboxEmail.sent_at.is_(None),
                    OutboxEmail.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE)
            )
            if cast(sa.CursorResult[Any], claimed).rowcount != 1:
                return None
            email = self.session.get(OutboxEmail, email_id)
            if email is not None:
                self.session.expunge(email)
            return email

    def _record_failure(self, email_id: int, exc: Exception) -> None:
        with transaction(self.session):
            email = self.session.get(OutboxEmail, email_id)
            if email is None:
                return
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.next_attempt_at = (
                None if email.attempts >= MAX_ATTEMPTS else utcnow() + backoff(email.attempts)
            )


def send(smtp: SmtpSettings, recipient: str, subject: str, body: str) -> None:
    """Send one plain-text UTF-8 e-mail now (STARTTLS and login when configured).

    :raise OSError: the server cannot be reached (refused, timeout, TLS failure).
    :raise smtplib.SMTPException: the server refused the login, sender or recipient.
    :raise ValueError: an address or subject that cannot be a header (a line break).
    """
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(message)
