"""Certificates: public verification, the PDF, revocation, the CA, the CRL, the
digital certificates' PEM and their holders' PKCS#12 bundles.

Reading a certificate, its PEM, the CA and the CRL needs no sign-in: they are
what anyone holding a certificate checks it with. None of these routes is
rate-limited with the sign-in limits.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, send_file

from portal.api.common import actor, json_body, signed_in
from portal.api.serializers import certificate_json
from portal.core.extensions import db, processes
from portal.issuance.digital import DigitalCertificateService
from portal.issuance.services import CertificateService

bp = Blueprint("certificates", __name__)

PEM_TYPE = "application/x-pem-file"
PKCS12_TYPE = "application/x-pkcs12"


def _certificates() -> CertificateService:
    return CertificateService(db.session, processes.platform.issuing)


def _digital() -> DigitalCertificateService:
    return DigitalCertificateService(db.session, processes.platform.issuing)


def _pem(text: str, filename: str, *, max_age: int = 0) -> Response:
    response = Response(text, mimetype=PEM_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


@bp.get("/certificates/<number>")
def get_certificate(number: str) -> Response:
    """The public details and live status; with ``?t=`` whether that token is authentic.

    Read on the public read path (``portal.issuance.verification``): one SELECT,
    outside any transaction; the status is live.

    :raise 404: no such certificate.
    """
    token = request.args.get("t")
    issuing = processes.platform.issuing
    verification = db.read(lambda reader: CertificateService(reader, issuing).verify(number, token))
    response = jsonify(certificate_json(verification, token_given=token is not None))
    response.cache_control.no_store = True
    return response


@bp.get("/certificates/<number>/pdf")
@signed_in
def certificate_pdf(number: str) -> Response:
    """The signed PDF, for its holder and for staff.

    :raise 401: not signed in.
    :raise 404: no such certificate, no PDF, or not the caller's to have.
    """
    certificate, stream = _certificates().pdf_stream(actor(), number)
    response = send_file(
        stream,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{certificate.number}.pdf",
        etag=certificate.pdf_sha256 or False,
        max_age=0,
    )
    response.cache_control.private = True
    return response


@bp.post("/certificates/<number>/revoke")
@signed_in
def revoke_certificate(number: str) -> Response:
    """Revoke with ``{"reason"}``.

    :raise 403: the caller may not revoke it. :raise 404: unknown.
    :raise 409: already revoked. :raise 422: no reason.
    """
    reason = json_body().get("reason")
    service = _certificates()
    service.revoke(actor(), number, reason if isinstance(reason, str) else "")
    return get_certificate(number)


@bp.get("/certificates/<number>/pem")
def certificate_pem(number: str) -> Response:
    """A digital certificate in PEM (public material).

    :raise 404: no such certificate, or not a digital certificate.
    """
    return _pem(_digital().pem_of(number), f"{number}.pem")


@bp.post("/certificates/<number>/bundle")
@signed_in
def certificate_bundle(number: str) -> Response:
    """The holder's certificate and private key as PKCS#12, protected by ``{"password"}``.

    :raise 404: not a digital certificate of the caller's organisation.
    :raise 409: revoked or superseded. :raise 422: a password under 8 characters.
    """
    password = json_body().get("password")
    certificate, data = _digital().bundle(actor(), number, password)
    response = Response(data, mimetype=PKCS12_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{certificate.number}.p12"'
    response.cache_control.no_store = True
    return response


@bp.get("/ca.pem")
def ca_pem() -> Response:
    """The portal's root CA certificate."""
    return _pem(_digital().ca_pem(), "portal-ca.pem", max_age=3600)


@bp.get("/crl.pem")
def crl() -> Response:
    """The CRL of revoked and superseded digital certificates, signed now."""
    return _pem(_digital().crl_pem(), "portal.crl.pem")
