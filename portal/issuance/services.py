"""Certificates: issuing, the live status, public verification, revocation, the PDF.

Issuing a certificate (:meth:`CertificateService.issue`) takes the next
number of its type (:mod:`portal.issuance.types`), signs a QR
token with the key store's current JWS key, renders the PDF with the
verification URL ``{PORTAL_BASE_URL}/verify/{number}?t={token}`` in its QR
code, signs the PDF with the document-signing key, stores it in the document
store and records the certificate and a ``certificate_issued`` history entry,
all inside the caller's transaction: a BPMN service task (see
``portal/services/handlers.py``) issues a certificate in the same transaction
as the step that decided it. The PDF is stored before the transaction
commits; if it rolls back, an orphan object remains, never visible.

The status is live, never stored: revoked, else superseded, else expired
(``valid_until`` before today, China time), else valid.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from certificates import (
    InvalidToken,
    KeyStore,
    issue_token,
    render_pdf,
    sign_pdf,
)
from portal.accounts.models import Organization, OrgType, Role
from portal.applications.models import Application
from portal.applications.notifications import Messenger
from portal.core import history, numbering
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal.core.i18n import N_
from portal.core.paging import DEFAULT_LIMIT, Page, SortKey, paginate
from portal.core.transactions import transactional
from portal.issuance.models import Certificate, CertificateState
from portal.issuance.status import (
    CertificateStatus,
    TokenState,
    Verification,
    certificate_status,
)
from portal.issuance.types import PLATFORM_TYPES, CertificateType, RevokedBy
from portal.issuance.verification import public_certificate, token_checker
from portal.mail.outbox import Outbox
from storage import DocumentStore, new_key

MAX_REASON = 2000
MAX_TOKEN = 4096  # a genuine token is a few hundred characters
SIGNING_LOCATION = "中国"

LATEST_ORDER = (SortKey.desc(Certificate.issued_at), SortKey.desc(Certificate.id))
"""Newest first (the id breaks ties)."""

RevocationHook = Callable[[Session, Certificate, Actor | None], None]


@dataclass(frozen=True)
class Issuing:
    """What issuing needs from the deployment: the document store, the keys, the
    public address (``PORTAL_BASE_URL``), the portal's name (the PDFs' signer), the
    certificate types that need code and what revoking one of them means (a revoked
    filing certificate is a revoked filing, announced), and the outbox of the
    e-mails that tell holders. ``create_app`` builds it from the configuration and
    the process registry."""

    store: DocumentStore
    keys: KeyStore
    base_url: str
    issuer_name: str
    types: Mapping[str, CertificateType] = field(default_factory=lambda: dict(PLATFORM_TYPES))
    revocation_hooks: Mapping[str, RevocationHook] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    """Where the holders' e-mails go (disabled unless ``SMTP_HOST`` is set)."""
    key_pool_size: int = 0
    """``KEY_POOL_SIZE``: how many key pairs for digital certificates are made ahead
    (0: none; ``portal.issuance.key_pool``)."""


class CertificateService:
    """Certificates of every type; digital certificates add their X.509 side in
    :class:`portal.issuance.digital.DigitalCertificateService`."""

    def __init__(self, session: Session, issuing: Issuing) -> None:
        self.session = session
        self.issuing = issuing
        self.store = issuing.store
        self.keys = issuing.keys
        self.base_url = issuing.base_url.rstrip("/")
        self.issuer_name = issuing.issuer_name

    # Issuing (inside the caller's transaction) ------------------------------

    def issue(
        self,
        cert_type: str | CertificateType,
        *,
        subject: str,
        organization_id: int | None,
        application_id: uuid.UUID | None = None,
        title: str | None = None,
        details: Mapping[str, Any] | None = None,
        valid_from: date | None = None,
        valid_until: date | None,
        issuer: str | None = None,
        context: Mapping[str, Any] | None = None,
        division_code: str | None = None,
        actor: Actor | None = None,
        x509: Mapping[str, str] | None = None,
    ) -> Certificate:
        """Issue a certificate of ``cert_type`` and return it (flushed, not committed).

        ``cert_type`` names a type the deployment knows, or is the type itself
        (a type a process declares in its manifest).

        ``subject`` is who or what it certifies (a product and version, a
        cinema); ``organization_id`` its holder, who may download the PDF;
        ``details`` the public facts shown on the verification page (JSON
        values; dates become ISO strings); ``valid_from`` (default today, China)
        and ``valid_until`` are civil days, both included (``None``: no end);
        ``issuer`` the authority named on it (default: the type's, else the
        portal). ``context`` holds what the type's template needs beyond the
        keys filled in here (``number``, ``issuer``, ``issue_date``,
        ``verify_url``, and defaults for ``title``, ``subject``, ``valid_from``,
        ``valid_until``); see ``certificates/render.py``. ``division_code`` (default:
        the application's) decides which province may revoke it, for types
        revoked by a province.
        ``x509`` sets a digital certificate's ``serial``, ``pem``, ``fingerprint``
        and ``key_key`` in the same insert.

        :raise ValueError: unknown type, or ``valid_until`` before ``valid_from``.
        :raise certificates.CertificateContextError: the template lacks a key.
        :raise portal.core.numbering.NumbersExhausted: no number left this year.
        """
        kind = cert_type if isinstance(cert_type, CertificateType) else self._type(cert_type)
        now = utcnow()
        valid_from = valid_from or now.astimezone(CHINA).date()
        if valid_until is not None and valid_until < valid_from:
            raise ValueError("valid_until is before valid_from")
        issuer = issuer or kind.default_issuer or self.issuer_name
        number = numbering.certificate_number(self.session, kind.prefix, now)
        jws = self.keys.current_jws_key()
        certificate = Certificate(
            number=number,
            cert_type=kind.name,
            title=title or kind.title,
            subject=subject,
            organization_id=organization_id,
            application_id=application_id,
            division_code=division_code or self._division_of(application_id),
            issuer=issuer,
            details=_jsonable(dict(details or {})),
            issued_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
            state=CertificateState.ACTIVE,
            revocable_by=kind.revoked_by.value,
            token=issue_token(
                jws.private_key,
                jws.kid,
                number=number,
                cert_type=kind.name,
                subject=subject,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            **(x509 or {}),
        )
        if kind.template is not None:
            self._attach_pdf(certificate, kind, context or {})
        self.session.add(certificate)
        self.session.flush()
        history.record(
            self.session,
            actor,
            "certificate_issued",
            application_id=application_id,
            details={"number": number, "type": kind.name},
        )
        self._messenger().certificate_issued(certificate)
        return certificate

    def supersede(self, old: Certificate, new: Certificate, *, actor: Actor | None = None) -> None:
        """Mark ``old`` as replaced by ``new`` (a reissue, a new version), inside the
        caller's transaction. A superseded digital certificate enters the CRL.

        :raise Conflict: ``old`` is revoked or already superseded.
        :raise ValueError: ``old`` and ``new`` are the same certificate.
        """
        self.session.flush()
        if old.id == new.id:
            raise ValueError("a certificate cannot supersede itself")
        if old.state != CertificateState.ACTIVE:
            raise Conflict(N_("Only a certificate in force can be replaced."))
        old.state = CertificateState.SUPERSEDED
        old.superseded_by_id = new.id
        old.superseded_at = utcnow()
        history.record(
            self.session,
            actor,
            "certificate_superseded",
            application_id=old.application_id,
            details={"number": old.number, "by": new.number},
        )
        self.session.flush()

    # Revoking ------------------------------------------------------------------

    @transactional
    def revoke(self, actor: Actor, number: str, reason: str) -> Certificate:
        """Revoke a certificate, for everyone at once (the page, the API, the CRL).

        Administrators may revoke any certificate; national reviewers those
        issued at the national level (software filings, testing commissions,
        digital certificates of holders other than cinemas); provincial
        reviewers those of their province (cinemas' digital certificates,
        installation acceptances).

        :raise NotFound: no such certificate.
        :raise Forbidden: ``actor`` may not revoke it.
        :raise Invalid: no reason given (``reason``), or one too long.
        :raise Conflict: it is already revoked.
        """
        certificate = self.public(number)
        if not self.may_revoke(actor, certificate):
            raise Forbidden(N_("You may not revoke this certificate."))
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            raise Invalid({"reason": [N_("Give the reason for the revocation.")]})
        if len(reason) > MAX_REASON:
            raise Invalid({"reason": [N_("The reason is too long.")]})
        table = cast(sa.Table, Certificate.__table__)
        revoked = self.session.execute(
            sa.update(table)
            .where(table.c.id == certificate.id, table.c.state != CertificateState.REVOKED.value)
            .values(
                state=CertificateState.REVOKED.value,
                revoked_at=utcnow(),
                revoked_by_id=actor.user_id,
                revocation_reason=reason,
            )
        )
        # An UPDATE's Session.execute result is a CursorResult (typed as Result).
        if cast(sa.CursorResult[Any], revoked).rowcount != 1:
            raise Conflict(N_("This certificate is already revoked."))
        self.session.refresh(certificate)
        history.record(
            self.session,
            actor,
            "certificate_revoked",
            application_id=certificate.application_id,
            comment=reason,
            details={"number": certificate.number, "type": certificate.cert_type},
        )
        hook = self.issuing.revocation_hooks.get(certificate.cert_type)
        if hook is not None:
            hook(self.session, certificate, actor)
        self._messenger().certificate_revoked(certificate)
        return certificate

    def may_revoke(self, actor: Actor | None, certificate: Certificate) -> bool:
        """Whether ``actor`` may revoke ``certificate`` (see :meth:`revoke`)."""
        if actor is None:
            return False
        if actor.role is Role.ADMIN:
            return True
        kind = self.issuing.types.get(certificate.cert_type)
        stored = kind.revoked_by.value if kind is not None else certificate.revocable_by
        if stored not in set(RevokedBy):
            return False
        level = self._revoking_level(RevokedBy(stored), certificate)
        if level is RevokedBy.NATIONAL:
            return actor.role is Role.NATIONAL_REVIEWER
        role = Role.CITY_REVIEWER if level is RevokedBy.CITY else Role.PROVINCIAL_REVIEWER
        return actor.role is role and bool(actor.scope) and actor.covers(certificate.division_code)

    # Reading ---------------------------------------------------------------------

    def public(self, number: str) -> Certificate:
        """The certificate called ``number`` (public: anyone may read its public details),
        with what its public view shows, in one statement.

        :raise NotFound: no such certificate.
        """
        certificate = public_certificate(self.session, number)
        if certificate is None:
            raise NotFound(N_("No certificate has this number."))
        return certificate

    def status(self, certificate: Certificate, today: date | None = None) -> CertificateStatus:
        """The live status (see :func:`certificate_status`)."""
        return certificate_status(certificate, today)

    def verify(self, number: str, token: str | None) -> Verification:
        """The certificate, its live status, and what the token ``t`` of its QR code proves.

        :raise NotFound: no such certificate.
        """
        certificate = self.public(number)
        status = certificate_status(certificate)
        if not token:
            return Verification(certificate, status, TokenState.ABSENT)
        if len(token) > MAX_TOKEN:
            return Verification(certificate, status, TokenState.NOT_AUTHENTIC)
        try:
            claims = token_checker(self.keys).claims(token)
        except InvalidToken:
            return Verification(certificate, status, TokenState.NOT_AUTHENTIC)
        names = (claims.number, claims.cert_type) == (certificate.number, certificate.cert_type)
        if not names or not claims.names_subject(certificate.subject):
            return Verification(certificate, status, TokenState.NOT_AUTHENTIC, claims)
        return Verification(certificate, status, TokenState.AUTHENTIC, claims)

    def verify_url(self, certificate: Certificate) -> str:
        """The URL in the certificate's QR code: the public page with its token."""
        return f"{self.base_url}/verify/{certificate.number}?t={certificate.token}"

    def pdf_stream(self, actor: Actor, number: str) -> tuple[Certificate, BinaryIO]:
        """The signed PDF, for its holder (a user of the holding organisation) and staff.

        The caller closes the stream.

        :raise NotFound: no such certificate, it has no PDF, or ``actor`` may not have it.
        """
        certificate = self.public(number)
        holder = actor.role is Role.APPLICANT and actor.organization_id is not None
        allowed = actor.role.is_staff or (
            holder and actor.organization_id == certificate.organization_id
        )
        if not allowed or certificate.pdf_key is None:
            raise NotFound(N_("No certificate has this number."))
        return certificate, self.store.open(certificate.pdf_key)

    def latest(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Certificate]:
        """A page of the certificates issued, newest first, after ``cursor`` (a page's
        ``after``), with their holders: one statement (for administrators' lists).

        :raise Invalid: ``cursor`` is not a cursor of this order.
        """
        return paginate(
            self.session,
            sa.select(Certificate).options(joinedload(Certificate.organization)),
            LATEST_ORDER,
            cursor=cursor,
            limit=limit,
        )

    # Helpers -------------------------------------------------------------------

    def _messenger(self) -> Messenger:
        return Messenger(self.session, self.issuing.outbox, self.base_url)

    def _attach_pdf(
        self, certificate: Certificate, kind: CertificateType, context: Mapping[str, Any]
    ) -> None:
        """Render, sign and store the PDF of ``certificate``."""
        assert kind.template is not None  # noqa: S101 - callers check
        values = {
            "title": certificate.title,
            "subject": certificate.subject,
            "valid_from": certificate.valid_from,
            "valid_until": certificate.valid_until,
            **context,
            "number": certificate.number,
            "issuer": certificate.issuer,
            "issue_date": certificate.issued_at,
            "verify_url": self.verify_url(certificate),
        }
        pdf = sign_pdf(
            render_pdf(kind.template, values, templates=kind.templates),
            key=self.keys.signing_key(),
            certificate=self.keys.signing_certificate(),
            chain=[self.keys.ca_certificate()],
            reason=f"{certificate.title} {certificate.number}",
            location=SIGNING_LOCATION,
            signer_name=self.issuer_name,
        )
        stored = self.store.put(new_key(f"certificates/{kind.prefix}"), io.BytesIO(pdf))
        certificate.pdf_key = stored.key
        certificate.pdf_sha256 = stored.sha256

    def _division_of(self, application_id: uuid.UUID | None) -> str | None:
        if application_id is None:
            return None
        application = self.session.get(Application, application_id)
        return application.division_code if application else None

    def _type(self, name: str) -> CertificateType:
        """:raise ValueError: the deployment knows no type ``name``."""
        try:
            return self.issuing.types[name]
        except KeyError:
            raise ValueError(f"unknown certificate type {name!r}") from None

    def _revoking_level(self, revoked_by: RevokedBy, certificate: Certificate) -> RevokedBy:
        if revoked_by is not RevokedBy.HOLDER_KIND:
            return revoked_by
        holder = (
            self.session.get(Organization, certificate.organization_id)
            if certificate.organization_id is not None
            else None
        )
        if holder is not None and holder.org_type == OrgType.CINEMA:
            return RevokedBy.PROVINCE
        return RevokedBy.NATIONAL


def _jsonable(value: Any) -> Any:
    """``value`` with dates as ISO strings and tuples as lists, for a JSON column.

    :raise TypeError: a value JSON cannot hold.
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"certificate details must be JSON values, not {type(value).__name__}")
