"""Armed BPMN timers, projected for the scheduler, and in-portal notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, JSONType, enum_type, utcnow
from portal.models.enums import TimerState
from portal.models.processes import Application


class Timer(Base):
    """A timer event of an application's process, waiting for ``due_at``.

    The scheduler (``flask --app wsgi tick``) fires the waiting ones that are
    due. A deadline counted in working days remembers how it was counted
    (``started_at``, ``working_days``), so it can be counted again when the
    calendar of its year is entered (``provisional``).
    """

    __tablename__ = "timers"
    __table_args__ = (
        sa.Index("ix_timers_due", "state", "due_at"),
        sa.Index("ix_timers_application_state", "application_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    spec_id: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[TimerState] = mapped_column(enum_type(TimerState, 16))
    due_at: Mapped[datetime]
    attached_task_id: Mapped[uuid.UUID | None]
    interrupting: Mapped[bool]
    provisional: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    working_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship()


class Notification(Base):
    """A message to an organisation in the portal (e.g. "the 48-hour window closes soon")."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship()
