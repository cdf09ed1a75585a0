"""The e-mail outbox: one row per message and recipient, sent after its
transaction committed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, utcnow


class OutboxEmail(Base):
    """An e-mail waiting to be sent (``sent_at`` None), or sent.

    ``next_attempt_at`` is when delivery is tried next (None: given up after
    too many failures, ``last_error`` says why).
    """

    __tablename__ = "email_outbox"
    __table_args__ = (sa.Index("ix_email_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
