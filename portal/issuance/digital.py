"""Digital certificates ("UsbKey" 数字证书): X.509 client certificates of cinemas
and online ticket agents, issued by the portal's CA (000 §一(一)5, §二(一)2).

A digital certificate is a :class:`~portal.issuance.models.Certificate` of type
``digital_certificate`` (number ``SZZS2026000001``, no PDF) that also keeps
its X.509 certificate (PEM, serial, SHA-256 fingerprint). The portal
generates the key pair; the private key is stored only encrypted with the
key store's passphrase (``KEYS_PASSPHRASE``), in the document store, until
its holder downloads it in a PKCS#12 bundle protected by a password of their
choosing. Revoked and superseded digital certificates are listed in the CRL,
which is built anew on every request from the database (so every machine of
a deployment serves the same list), each with a CRL number one higher.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from certificates import (
    IssuedCertificate,
    build_crl,
    crl_pem,
    issue_client_certificate,
    pem,
    pkcs12_bundle,
)
from portal.accounts.models import Organization, Role
from portal.applications.models import Application
from portal.core import history
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.errors import Conflict, Invalid, NotFound
from portal.core.i18n import N_
from portal.core.transactions import transactional
from portal.issuance.key_pool import KeyPool
from portal.issuance.models import Certificate, CertificateState
from portal.issuance.services import CertificateService, Issuing
from storage import new_key

DIGITAL = "digital_certificate"
DEFAULT_VALID_DAYS = 1095  # three years, like a filing (000 §一(二)1)
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_COMMON_NAME = 64  # RFC 5280 ub-common-name
CRL_EPOCH = date(2026, 1, 1)
CRL_PATH = "/api/v1/crl.pem"

log = logging.getLogger(__name__)


class DigitalCertificateService:
    """Issue digital certificates, hand their keys to their holders, publish the CRL."""

    def __init__(self, session: Session, issuing: Issuing) -> None:
        self.session = session
        self.store = issuing.store
        self.keys = issuing.keys
        self.certificates = CertificateService(session, issuing)
        self.pool = KeyPool(session, issuing.keys)
        self.pool_enabled = issuing.key_pool_size > 0

    # Issuing (inside the caller's transaction) ------------------------------

    def issue_digital_certificate(
        self,
        application: Application | None,
        *,
        holder: Organization,
        subject_cn: str,
        valid_days: int = DEFAULT_VALID_DAYS,
        details: Mapping[str, Any] | None = None,
        actor: Actor | None = None,
    ) -> Certificate:
        """Issue ``holder`` a client certificate from the portal's CA; return its record.

        The X.509 subject is ``CN=<subject_cn>, O=<holder's name>,
        serialNumber=<holder's USCC>, C=CN`` (the common name cut to 64
        characters), the serial a random 159-bit number, the CRL distribution
        point ``{PORTAL_BASE_URL}/api/v1/crl.pem``. ``details`` adds public
        facts (a cinema code) to the certificate's. The key pair is taken from
        the pool made ahead (``portal.issuance.key_pool``), or generated here
        when the pool is empty. Flushed, not committed.

        :raise ValueError: the holder's USCC is invalid, or ``valid_days`` is not
            positive or would outlive the CA.
        """
        common_name = subject_cn.strip()[:MAX_COMMON_NAME]
        pooled = self.pool.take()
        if pooled is None and self.pool_enabled:
            log.warning("the key pool is empty: generating a key pair inside the decision")
        issued = issue_client_certificate(
            self.keys.ca_key(),
            self.keys.ca_certificate(),
            subject_cn=common_name,
            organization=holder.name,
            uscc=holder.uscc,
            serial=None,
            valid_days=valid_days,
            public_key=None if pooled is None else pooled.public_key,
            crl_url=f"{self.certificates.base_url}{CRL_PATH}",
        )
        if pooled is not None:
            encrypted = pooled.encrypted_private_key  # as it would be encrypted here
        else:
            assert issued.private_key is not None  # noqa: S101 - no public key was given
            encrypted = self.keys.encrypt_private_key(issued.private_key)
        key_object = self.store.put(new_key("certificates/keys"), io.BytesIO(encrypted))
        serial = f"{issued.serial:x}"
        certificate = self.certificates.issue(
            DIGITAL,
            subject=common_name,
            organization_id=holder.id,
            application_id=application.id if application else None,
            details={
                **(details or {}),
                "uscc": holder.uscc,
                "serial": serial,
                "fingerprint": issued.fingerprint,
            },
            valid_from=issued.not_before.astimezone(CHINA).date(),
            valid_until=issued.not_after.astimezone(CHINA).date(),
            actor=actor,
            x509={
                "serial": serial,
                "pem": pem(issued.certificate),
                "fingerprint": issued.fingerprint,
                "key_key": key_object.key,
            },
        )
        return certificate

    # Public material ------------------------------------------------------------

    def pem_of(self, number: str) -> str:
        """The X.509 certificate in PEM (public material, like the CA's).

        :raise NotFound: no such certificate, or not a digital certificate.
        """
        certificate = self.certificates.public(number)
        if certificate.pem is None:
            raise NotFound(N_("This certificate has no X.509 form."))
        return certificate.pem

    def ca_pem(self) -> str:
        """The portal's root CA certificate in PEM."""
        return pem(self.keys.ca_certificate())

    @transactional
    def crl_pem(self) -> str:
        """The CRL of every revoked or superseded digital certificate, valid seven days.

        It is rebuilt on request, identical on every machine for the same day
        and the same revocations: thisUpdate is the later of the start of the
        day (UTC) and the latest revocation, and the CRL number grows with
        both (days since 2026 × 1,000,000 + revocations), so nothing is
        written to build it.
        """
        rows = self.session.execute(
            sa.select(
                Certificate.serial,
                Certificate.state,
                Certificate.revoked_at,
                Certificate.superseded_at,
            ).where(
                Certificate.cert_type == DIGITAL,
                Certificate.serial.is_not(None),
                Certificate.state != CertificateState.ACTIVE,
            )
        ).all()
        revoked: list[tuple[int, datetime, x509.ReasonFlags | None]] = []
        for serial, state, revoked_at, superseded_at in rows:
            if serial is None:  # excluded by the query; narrows the Optional column
                raise RuntimeError("a digital certificate without a serial number")
            if state == CertificateState.REVOKED and revoked_at is not None:
                revoked.append((int(serial, 16), revoked_at, None))
            elif superseded_at is not None:
                revoked.append((int(serial, 16), superseded_at, x509.ReasonFlags.superseded))
        day_start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        issued_at = max([day_start, *(when for _, when, _ in revoked)])
        day = (day_start.date() - CRL_EPOCH).days
        crl = build_crl(
            self.keys.ca_key(),
            self.keys.ca_certificate(),
            revoked,
            crl_number=day * 1_000_000 + len(revoked),
            issued_at=issued_at,
        )
        return crl_pem(crl)

    # The holder's key -----------------------------------------------------------

    @transactional
    def bundle(self, actor: Actor, number: str, password: object) -> tuple[Certificate, bytes]:
        """The certificate, its private key and the CA certificate in a PKCS#12 file
        protected by ``password``, for a user of the holding organisation.

        The holder may download it again (a lost file); each download is
        recorded (``digital_certificate_downloaded``).

        :raise NotFound: no such digital certificate, or ``actor`` is not its holder.
        :raise Invalid: ``password`` shorter than 8 characters (or not text).
        :raise Conflict: the certificate is revoked or superseded.
        """
        certificate = self.certificates.public(number)
        holder = actor.role is Role.APPLICANT and actor.organization_id is not None
        if (
            not holder
            or actor.organization_id != certificate.organization_id
            or certificate.key_key is None
            or certificate.pem is None
            or certificate.serial is None
        ):
            raise NotFound(N_("No certificate has this number."))
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise Invalid({"password": [N_("Choose a password of at least 8 characters.")]})
        if len(password) > MAX_PASSWORD:
            raise Invalid({"password": [N_("The password is too long.")]})
        if certificate.state != CertificateState.ACTIVE:
            raise Conflict(N_("This certificate is no longer in force."))
        with self.store.open(certificate.key_key) as stream:
            private_key = self.keys.decrypt_private_key(stream.read())
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise TypeError("a client certificate's key must be an RSA key")
        x509_certificate = x509.load_pem_x509_certificate(certificate.pem.encode("ascii"))
        issued = IssuedCertificate(
            certificate=x509_certificate,
            private_key=private_key,
            serial=int(certificate.serial, 16),
            not_before=x509_certificate.not_valid_before_utc,
            not_after=x509_certificate.not_valid_after_utc,
            fingerprint=certificate.fingerprint or "",
        )
        data = pkcs12_bundle(
            issued,
            password.encode("utf-8"),
            certificate.subject,
            ca_certificate=self.keys.ca_certificate(),
        )
        history.record(
            self.session,
            actor,
            "digital_certificate_downloaded",
            application_id=certificate.application_id,
            details={"number": certificate.number},
        )
        return certificate, data
