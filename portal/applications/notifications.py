"""In-portal messages to applicant organisations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Notification
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.core.transactions import transaction


def message_of(params: Mapping[str, Any] | None, locale: str | None) -> str | None:
    """A notification's text in ``locale`` ("en..." English, else Chinese), as the
    ``notify`` building block stored it from the process's manifest."""
    text = (params or {}).get("text")
    if not isinstance(text, Mapping):
        return None
    return str(text.get("en" if (locale or "").startswith("en") else "zh") or "") or None


class NotificationService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_actor(self, actor: Actor, *, unread_only: bool = False) -> list[Notification]:
        """The actor's organisation's messages, newest first (staff have none)."""
        if actor.organization_id is None:
            return []
        query = sa.select(Notification).where(Notification.organization_id == actor.organization_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return list(self.session.scalars(query.order_by(Notification.created_at.desc())))

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
