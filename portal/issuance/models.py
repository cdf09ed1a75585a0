"""Certificates the portal issues and public announcements 公示.

A certificate's lasting state (active, superseded, revoked) is stored; whether
it has expired is read from ``valid_until`` against today, so the status shown
is always live (``portal.issuance.status``). The PDF is kept in the document
store; a digital certificate ("UsbKey") keeps its X.509 certificate in PEM here
and its holder's private key, encrypted, in the document store.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
from portal.applications.models import Application
from portal.core.db import Base, JSONType, enum_type, utcnow


class CertificateState(StrEnum):
    """What happened to a certificate; whether it has expired is read from its dates."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class Certificate(Base):
    """One issued certificate, its public details and what became of it.

    ``number`` is ASCII (``BAZS2026000001``: see ``portal.issuance.types``).
    ``division_code`` is the holder's GB/T 2260 code where a province decides
    about it (a cinema's county). ``details`` are the public facts the
    verification page and ``GET /api/v1/certificates/{number}`` show.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    cert_type: Mapped[str] = mapped_column(sa.String(32), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(300))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("applications.id"), index=True
    )
    division_code: Mapped[str | None] = mapped_column(sa.String(6))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    state: Mapped[CertificateState] = mapped_column(
        enum_type(CertificateState, 16), default=CertificateState.ACTIVE
    )
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    superseded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    revocable_by: Mapped[str | None] = mapped_column(sa.String(16))
    """Who may revoke it besides administrators (a :class:`RevokedBy` value), fixed
    when issued: a type a process declared is known from its manifest only."""
    token: Mapped[str] = mapped_column(sa.Text)
    pdf_key: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Digital certificates ("UsbKey") only.
    serial: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    pem: Mapped[str | None] = mapped_column(sa.Text)
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    key_key: Mapped[str | None] = mapped_column(sa.String(255))

    organization: Mapped[Organization | None] = relationship()
    application: Mapped[Application | None] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])
    revoked_by: Mapped[User | None] = relationship()


class Announcement(Base):
    """A public announcement 公示: a product filed, a filing revoked, ..."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("applications.id"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))

    certificate: Mapped[Certificate | None] = relationship()


class PublicListEntry(Base):
    """An organisation on a public list 名单公示 a process publishes (admitted
    platforms, pilot enterprises), with the certificate that admitted it."""

    __tablename__ = "public_list_entries"
    __table_args__ = (sa.UniqueConstraint("list_key", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    organization_name: Mapped[str] = mapped_column(sa.String(200))
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(32))
    admitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PooledKey(Base):
    """An RSA key pair made ahead for a digital certificate (``portal.issuance.key_pool``).

    ``private_key`` is PKCS#8 PEM encrypted with the key store's passphrase,
    exactly as a holder's key is stored, so a decision hands it on as it is;
    ``public_key`` (DER SubjectPublicKeyInfo, public material) is what the CA
    certifies, so a decision never decrypts. A decision takes a row and deletes it.
    """

    __tablename__ = "key_pool"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    private_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
