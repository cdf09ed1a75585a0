"""The cinema register: every registered cinema and its code, never given twice."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, enum_type, utcnow


class CinemaStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Cinema(Base):
    """A registered cinema. Its code is never given to another cinema."""

    __tablename__ = "cinemas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    division_code: Mapped[str] = mapped_column(sa.String(6))
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"))
    status: Mapped[CinemaStatus] = mapped_column(
        enum_type(CinemaStatus, 16), default=CinemaStatus.ACTIVE
    )
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
