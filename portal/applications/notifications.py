"""In-portal messages to applicant organisations, and their e-mails.

Every decision that reaches an applicant is one message in the portal
(:class:`Notification`) and, when the deployment sends e-mail, an e-mail to each
active user of the organisation with an address, written into the outbox in
the same transaction (:mod:`portal.mail.outbox` sends it after the commit).

One message per step. The runtime opens a step when it loads an application's
instance (:meth:`Messenger.step_started`) and closes it when it saves it
(:meth:`Messenger.step_ended`). What the step did is told once:

- a status that changed to returned, approved, rejected or lapsed is worded by
  the platform (with the reviewers' comments of a return or rejection, and the
  certificates the step issued);
- when the step's process left its own message (the ``notify`` building block),
  that message is the one of the step: the platform adds the comments and the
  certificates to it instead of leaving a second message;
- certificates issued in a step that decided nothing else get a message of
  their own, and so does a revocation (it happens outside any step).

Texts are stored in Chinese and English (``params["text"]``, as the ``notify``
block stores its manifest's texts) and shown in the reader's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.applications.models import Application, ApplicationStatus, Notification
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.core.models import AuditEvent
from portal.core.paging import DEFAULT_LIMIT, Page, SortKey, paginate
from portal.core.transactions import transaction
from portal.issuance.models import Certificate
from portal.mail.outbox import Outbox

DECISION_MESSAGES = {
    ApplicationStatus.RETURNED: N_("Application %(number)s was returned for correction."),
    ApplicationStatus.APPROVED: N_("Application %(number)s is approved."),
    ApplicationStatus.REJECTED: N_("Application %(number)s was rejected."),
    ApplicationStatus.LAPSED: N_("Application %(number)s has lapsed."),
}
# The reviewers' decision whose comments are the reasons of a status.
REASON_DECISIONS = {ApplicationStatus.RETURNED: "return", ApplicationStatus.REJECTED: "reject"}
REASON = N_("Review comment: %(reason)s")
CERTIFICATE_ISSUED = N_("Certificate %(number)s (%(title)s) was issued.")
CERTIFICATE_REVOKED = N_("Certificate %(number)s (%(title)s) was revoked. Reason: %(reason)s")
SUBJECT_APPLICATION = N_("Application %(number)s")
SUBJECT_CERTIFICATE = N_("Certificate %(number)s")
READ_IN_PORTAL = N_("Read your messages in the portal: %(url)s")
LANGUAGES = (("zh", "zh_CN"), ("en", "en"))
_STEPS = "portal.notifications.steps"

Text = dict[str, str]


def message_of(params: Mapping[str, Any] | None, locale: str | None) -> str | None:
    """A notification's text in ``locale`` ("en..." English, else Chinese), as the
    ``notify`` building block (or the platform) stored it."""
    text = (params or {}).get("text")
    if not isinstance(text, Mapping):
        return None
    return str(text.get("en" if (locale or "").startswith("en") else "zh") or "") or None


def bilingual(message: str, **values: Any) -> Text:
    """``message`` (an ``N_`` msgid) in Chinese and English, filled with ``values``.

    Needs an application context for the Chinese (outside one, both are English).
    """
    text: Text = {}
    for key, locale in LANGUAGES:
        with force_locale(locale):
            text[key] = str(get_translations().gettext(message)) % values
    return text


def joined(*texts: Text) -> Text:
    """Texts one after the other, a line each."""
    return {key: "\n".join(t[key] for t in texts if t.get(key)) for key, _ in LANGUAGES}


@dataclass
class _Step:
    transaction: object
    messages: list[Notification] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


class Messenger:
    """Leaves messages (and their e-mails) inside the caller's transaction."""

    def __init__(self, session: Session, outbox: Outbox, base_url: str) -> None:
        self.session = session
        self.outbox = outbox
        self.base_url = base_url.rstrip("/")

    # Steps (the runtime) -------------------------------------------------------

    def step_started(self, application_id: uuid.UUID) -> None:
        """Gather what the step of ``application_id`` tells until :meth:`step_ended`."""
        steps = self._steps()
        steps[application_id] = _Step(self.session.get_transaction())

    def step_ended(self, application: Application, previous: ApplicationStatus | None) -> None:
        """Tell the applicant what the step did (see the module's rules), once."""
        step = self._steps().pop(application.id, None) or _Step(None)
        status = application.status
        decided = status in DECISION_MESSAGES and status != previous
        number = application.number or "—"
        parts: list[Text] = []
        if decided and status in REASON_DECISIONS:
            reason = self._reason(application, REASON_DECISIONS[status])
            if reason:
                parts.append(bilingual(REASON, reason=reason))
        parts += [_issued(c) for c in step.certificates]
        messages = step.messages
        if messages:
            if parts:
                last = messages[-1]
                last.params = {**last.params, "text": joined(_text(last), *parts)}
        elif decided:
            messages = [
                self._add(
                    application.organization_id,
                    application.id,
                    f"application_{status.value}",
                    joined(bilingual(DECISION_MESSAGES[status], number=number), *parts),
                    number=application.number,
                )
            ]
        elif parts:
            messages = [
                self._add(
                    application.organization_id,
                    application.id,
                    "certificate_issued",
                    joined(*parts),
                    number=application.number,
                )
            ]
        for message in messages:
            self._mail(message, bilingual(SUBJECT_APPLICATION, number=number))

    # Messages ------------------------------------------------------------------

    def leave(self, application: Application, kind: str, text: Text) -> Notification:
        """Leave the process's message ``text`` for the applicant (the ``notify``
        block). In a step it is mailed when the step ends, else at once."""
        notification = self._add(
            application.organization_id,
            application.id,
            kind,
            text,
            number=application.number,
        )
        step = self._step(application.id)
        if step is not None:
            step.messages.append(notification)
        else:
            subject = bilingual(SUBJECT_APPLICATION, number=application.number or "—")
            self._mail(notification, subject)
        return notification

    def certificate_issued(self, certificate: Certificate) -> None:
        """Tell the holder: with the step's message when a step of its application
        issued it, else in a message of its own."""
        if certificate.organization_id is None:
            return
        step = self._step(certificate.application_id) if certificate.application_id else None
        if step is not None:
            step.certificates.append(certificate)
            return
        message = self._add(
            certificate.organization_id,
            certificate.application_id,
            "certificate_issued",
            _issued(certificate),
            certificate=certificate.number,
        )
        self._mail(message, bilingual(SUBJECT_CERTIFICATE, number=certificate.number))

    def certificate_revoked(self, certificate: Certificate) -> None:
        """Tell the holder its certificate was revoked, and why."""
        if certificate.organization_id is None:
            return
        message = self._add(
            certificate.organization_id,
            certificate.application_id,
            "certificate_revoked",
            bilingual(
                CERTIFICATE_REVOKED,
                number=certificate.number,
                title=certificate.title,
                reason=certificate.revocation_reason or "—",
            ),
            certificate=certificate.number,
        )
        self._mail(message, bilingual(SUBJECT_CERTIFICATE, number=certificate.number))

    # Helpers -------------------------------------------------------------------

    def _add(
        self,
        organization_id: int,
        application_id: uuid.UUID | None,
        kind: str,
        text: Text,
        **params: Any,
    ) -> Notification:
        notification = Notification(
            organization_id=organization_id,
            application_id=application_id,
            kind=kind,
            params={**params, "text": text},
        )
        self.session.add(notification)
        return notification

    def _mail(self, notification: Notification, subject: Text) -> None:
        """Write the message's e-mail to each active user of its organisation."""
        if not self.outbox.enabled:
            return
        recipients = self.session.scalars(
            sa.select(User.email).where(
                User.organization_id == notification.organization_id,
                User.active.is_(True),
                User.email.is_not(None),
            )
        ).all()
        text = _text(notification)
        link = bilingual(READ_IN_PORTAL, url=f"{self.base_url}/applicant/notifications")
        body = "\n\n".join((text["zh"], link["zh"], "—", text["en"], link["en"])) + "\n"
        self.outbox.enqueue(
            self.session,
            [r for r in recipients if r],
            f"{subject['zh']} / {subject['en']}",
            body,
        )

    def _reason(self, application: Application, decision: str) -> str | None:
        """The comments of the reviewers' ``decision`` since the latest submission."""
        since = self.session.scalar(
            sa.select(sa.func.max(AuditEvent.id)).where(
                AuditEvent.application_id == application.id,
                AuditEvent.action.in_(("submitted", "resubmitted")),
            )
        )
        query = (
            sa.select(AuditEvent.comment)
            .where(
                AuditEvent.application_id == application.id,
                AuditEvent.action == "completed",
                AuditEvent.decision == decision,
            )
            .order_by(AuditEvent.id)
        )
        if since is not None:
            query = query.where(AuditEvent.id > since)
        comments = [c.strip() for c in self.session.scalars(query) if c and c.strip()]
        return "\n".join(dict.fromkeys(comments)) or None

    def _steps(self) -> dict[uuid.UUID, _Step]:
        """The open steps of the current transaction (those of ended ones dropped)."""
        steps: dict[uuid.UUID, _Step] = self.session.info.setdefault(_STEPS, {})
        current = self.session.get_transaction()
        for key in [k for k, s in steps.items() if s.transaction is not current]:
            del steps[key]
        return steps

    def _step(self, application_id: uuid.UUID) -> _Step | None:
        return self._steps().get(application_id)


def _issued(certificate: Certificate) -> Text:
    return bilingual(CERTIFICATE_ISSUED, number=certificate.number, title=certificate.title)


def _text(notification: Notification) -> Text:
    text = (notification.params or {}).get("text")
    if not isinstance(text, Mapping):
        return {"zh": notification.kind, "en": notification.kind}
    return {key: str(text.get(key) or "") for key, _ in LANGUAGES}


NEWEST_FIRST = (SortKey.desc(Notification.created_at), SortKey.desc(Notification.id))
"""The order of an organisation's messages."""


class NotificationService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_actor(
        self,
        actor: Actor,
        *,
        unread_only: bool = False,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Notification]:
        """A page of the actor's organisation's messages, newest first (staff
        have none).

        :raise Invalid: ``cursor`` is not one of this list's cursors.
        """
        if actor.organization_id is None:
            return Page([], None)
        query = sa.select(Notification).where(Notification.organization_id == actor.organization_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return paginate(self.session, query, NEWEST_FIRST, cursor=cursor, limit=limit)

    def mark_shown_read(self, actor: Actor, notification_ids: Collection[uuid.UUID]) -> None:
        """Mark the actor's organisation's messages among ``notification_ids``
        read, in one statement (a page of messages that was just shown)."""
        if not notification_ids or actor.organization_id is None:
            return
        with transaction(self.session):
            self.session.execute(
                sa.update(Notification)
                .where(
                    Notification.id.in_(notification_ids),
                    Notification.organization_id == actor.organization_id,
                    Notification.read_at.is_(None),
                )
                .values(read_at=utcnow())
            )

    def unread_count(self, actor: Actor) -> int:
        if actor.organization_id is None:
            return 0
        return int(
            self.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.organization_id == actor.organization_id,
                    Notification.read_at.is_(None),
                )
            )
            or 0
        )

    def mark_read(self, actor: Actor, notification_id: uuid.UUID) -> Notification:
        """Mark one message read (harmless when it already is).

        :raise NotFound: not a message of the actor's organisation.
        """
        notification = self.session.get(Notification, notification_id)
        if notification is None or notification.organization_id != actor.organization_id:
            raise NotFound(N_("Notification not found."))
        if notification.read_at is None:
            with transaction(self.session):
                notification.read_at = utcnow()
        return notification
