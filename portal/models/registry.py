"""Registers kept by the portal: cinemas and their codes, and number counters."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, enum_type, utcnow
from portal.models.enums import CinemaStatus


class Counter(Base):
    """A named, only-increasing sequence (acceptance numbers, cinema codes)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))


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
