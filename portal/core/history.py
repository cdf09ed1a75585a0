"""Recording the append-only history of every action."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from portal.core.actor import Actor
from portal.core.models import AuditEvent


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    application_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    task_name: str | None = None,
    decision: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add one history entry to the session (the caller's transaction commits it).

    ``ip`` is taken from the actor; pass it for actions without one.
    """
    event = AuditEvent(
        actor_id=actor.user_id if actor else None,
        actor_name=actor.name if actor else None,
        action=action,
        application_id=application_id,
        task_id=task_id,
        task_name=task_name,
        decision=decision,
        comment=comment,
        details=details or {},
        ip=actor.ip if actor else ip,
    )
    session.add(event)
    return event
