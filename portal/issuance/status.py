"""A certificate's live status and what the token of its QR code proves.

Nothing here is stored: the status is read from the certificate's state and
dates each time, so expiry needs no job and a revocation shows at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certificates import TokenClaims
from portal.core.clock import china_today
from portal.issuance.models import Certificate, CertificateState


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class TokenState(StrEnum):
    """What the token ``t`` of a verification URL proves."""

    AUTHENTIC = "authentic"
    """Signed by a key of the portal's JWK Set, and names this certificate (number, type,
    subject)."""
    NOT_AUTHENTIC = "not_authentic"
    """Malformed, altered, signed by another key, or naming another certificate."""
    ABSENT = "absent"
    """No token given: only the register speaks."""


@dataclass(frozen=True)
class Verification:
    """What the public verification page and ``GET /api/v1/certificates/{number}`` show."""

    certificate: Certificate
    status: CertificateStatus
    token: TokenState
    claims: TokenClaims | None = None


def certificate_status(certificate: Certificate, today: date | None = None) -> CertificateStatus:
    """The live status: revoked > superseded > expired (``valid_until`` before
    ``today``, default today in China) > valid."""
    if certificate.state == CertificateState.REVOKED:
        return CertificateStatus.REVOKED
    if certificate.state == CertificateState.SUPERSEDED:
        return CertificateStatus.SUPERSEDED
    today = today or china_today()
    if certificate.valid_until is not None and certificate.valid_until < today:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def certificates_of_application(session: Session, application_id: uuid.UUID) -> list[Certificate]:
    """The certificates issued in an application, oldest first."""
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(Certificate.application_id == application_id)
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )
