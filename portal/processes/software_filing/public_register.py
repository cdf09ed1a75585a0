"""The public register of filed ticketing software 备案票务软件名录 (000 §一(一)3,
§二(一)1: cinemas may install only filed software, and the public can check it).

An entry's status is live, like a certificate's: revoked when the filing or
its certificate is revoked (a revoked filing certificate is a revoked filing,
取消备案), superseded when a newer version's filing replaced it, expired when
its validity has ended (China time), else filed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portal.core.clock import china_today
from portal.issuance.models import CertificateState
from portal.processes.software_filing.models import FilingState, SoftwareFiling

PER_PAGE = 20
MAX_QUERY = 100


class FilingStatus(StrEnum):
    FILED = "filed"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


def filing_status(filing: SoftwareFiling, today: date | None = None) -> FilingStatus:
    """The live status of a register entry: revoked > superseded > expired > filed."""
    certificate = filing.certificate
    if filing.state == FilingState.REVOKED or (
        certificate is not None and certificate.state == CertificateState.REVOKED
    ):
        return FilingStatus.REVOKED
    if filing.state == FilingState.SUPERSEDED:
        return FilingStatus.SUPERSEDED
    if filing.valid_until < (today or china_today()):
        return FilingStatus.EXPIRED
    return FilingStatus.FILED


@dataclass(frozen=True)
class RegisterEntry:
    filing: SoftwareFiling
    status: FilingStatus


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register: ``entries`` newest filing first, of ``total`` matches."""

    entries: list[RegisterEntry]
    query: str
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search(
    session: Session, query: str = "", page: int = 1, per_page: int = PER_PAGE
) -> RegisterPage:
    """Filed software whose product name, vendor or filing number contains ``query``
    (case-insensitive; blank: every entry), newest filing first, ``per_page`` a page.

    ``query`` is cut to 100 characters; a page below 1 is the first page, a page
    past the last is empty.
    """
    query = query.strip()[:MAX_QUERY]
    page = max(page, 1)
    matches: sa.ColumnElement[bool] = sa.true()
    if query:
        matches = sa.or_(
            SoftwareFiling.product_name.icontains(query, autoescape=True),
            SoftwareFiling.vendor_name.icontains(query, autoescape=True),
            SoftwareFiling.filing_number.icontains(query, autoescape=True),
        )
    total = session.scalar(sa.select(sa.func.count(SoftwareFiling.id)).where(matches)) or 0
    filings = session.scalars(
        sa.select(SoftwareFiling)
        .options(joinedload(SoftwareFiling.certificate))
        .where(matches)
        .order_by(SoftwareFiling.filed_at.desc(), SoftwareFiling.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    today = china_today()
    return RegisterPage(
        entries=[RegisterEntry(f, filing_status(f, today)) for f in filings],
        query=query,
        page=page,
        per_page=per_page,
        total=int(total),
    )
