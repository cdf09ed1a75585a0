"""The register of filed ticketing software (P1; P2 and P3 build on it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization
from portal.core.db import Base, enum_type, utcnow
from portal.issuance.models import Certificate


class FilingState(StrEnum):
    """An entry of the register of filed software; lapsing is read from its dates."""

    FILED = "filed"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class SoftwareFiling(Base):
    """An entry of the public register of filed ticketing software (P1, P2, P3).

    One row per filed product version; a re-filing of a new version supersedes
    the old row. Whether a filing has lapsed is read from ``valid_until``.
    """

    __tablename__ = "software_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    variant: Mapped[str] = mapped_column(sa.String(32))
    product_name: Mapped[str] = mapped_column(sa.String(200), index=True)
    version: Mapped[str] = mapped_column(sa.String(64))
    vendor_name: Mapped[str] = mapped_column(sa.String(200))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    package_md5: Mapped[str | None] = mapped_column(sa.String(32))
    package_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    state: Mapped[FilingState] = mapped_column(
        enum_type(FilingState, 16), default=FilingState.FILED
    )
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("software_filings.id"))

    organization: Mapped[Organization] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
