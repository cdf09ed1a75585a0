"""The public register of filed ticketing software 备案票务软件名录 (000 §一(一)3,
§二(一)1: cinemas may install only filed software, and the public can check it).

An entry's status is live, like a certificate's: revoked when the filing or
its certificate is revoked (a revoked filing certificate is a revoked filing,
取消备案), superseded when a newer version's filing replaced it, expired when
its validity has ended (China time), else filed. The page lists revoked
filings apart from the others (``revoked=True``/``False``), without a "valid
until" date: a cinema must not read a revoked filing as one in force.

A search matches the product name, the vendor or the filing number (a part of
any of them), or the installation package's full MD5 (32 hexadecimal digits) or
SHA-256 (64), in either case: a cinema holding a package can check that exact file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portal.core.clock import china_today
from portal.core.paging import SortKey, paginate
from portal.issuance.models import Certificate, CertificateState
from portal.processes.software_filing.models import FilingState, SoftwareFiling

PER_PAGE = 20
MAX_QUERY = 100
_MD5 = re.compile(r"[0-9a-fA-F]{32}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


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


ORDER = (SortKey.desc(SoftwareFiling.filed_at), SortKey.desc(SoftwareFiling.id))
"""Newest filing first (the id breaks ties)."""


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register: ``entries`` newest filing first, of ``total`` matches.

    ``page`` is the page's number when it was asked for by number (None when by
    cursor); ``after`` the cursor of the entries that follow (None after the last).
    """

    entries: list[RegisterEntry]
    query: str
    page: int | None
    per_page: int
    total: int
    after: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search(
    session: Session,
    query: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    revoked: bool | None = None,
    cursor: str | None = None,
) -> RegisterPage:
    """Filed software whose product name, vendor or filing number contains ``query``
    (case-insensitive), or whose package has the MD5 or SHA-256 ``query`` (in full;
    blank: every entry), newest filing first, ``per_page`` a page.

    The page is the one after ``cursor`` (a page's ``after``) when one is given, else
    page number ``page``. ``revoked`` ``True`` keeps only the revoked filings,
    ``False`` only the others, ``None`` both. ``query`` is cut to 100 characters; a
    page below 1 is the first page, a page past the last is empty. Two statements
    (the count, the page with its certificates) whatever the page's length.

    :raise Invalid: ``cursor`` is not a cursor of the register's order.
    """
    query = query.strip()[:MAX_QUERY]
    page = max(page, 1)
    matches = _matching(query)
    if revoked is not None:
        matches = sa.and_(matches, _revoked() if revoked else sa.not_(_revoked()))
    total = session.scalar(sa.select(sa.func.count(SoftwareFiling.id)).where(matches)) or 0
    filings = (
        sa.select(SoftwareFiling).options(joinedload(SoftwareFiling.certificate)).where(matches)
    )
    if not cursor:
        filings = filings.offset((page - 1) * per_page)
    found = paginate(session, filings, ORDER, cursor=cursor, limit=per_page)
    today = china_today()
    return RegisterPage(
        entries=[RegisterEntry(f, filing_status(f, today)) for f in found.items],
        query=query,
        page=None if cursor else page,
        per_page=per_page,
        total=int(total),
        after=found.after,
    )


def _matching(query: str) -> sa.ColumnElement[bool]:
    if not query:
        return sa.true()
    conditions = [
        SoftwareFiling.product_name.icontains(query, autoescape=True),
        SoftwareFiling.vendor_name.icontains(query, autoescape=True),
        SoftwareFiling.filing_number.icontains(query, autoescape=True),
    ]
    # The document store records digests in lower case (hashlib's hexdigest).
    if _MD5.fullmatch(query):
        conditions.append(SoftwareFiling.package_md5 == query.lower())
    elif _SHA256.fullmatch(query):
        conditions.append(SoftwareFiling.package_sha256 == query.lower())
    return sa.or_(*conditions)


def _revoked() -> sa.ColumnElement[bool]:
    """The SQL form of :func:`filing_status` being revoked."""
    revoked_certificates = sa.select(Certificate.id).where(
        Certificate.state == CertificateState.REVOKED
    )
    return sa.or_(
        SoftwareFiling.state == FilingState.REVOKED,
        SoftwareFiling.certificate_id.in_(revoked_certificates),
    )
