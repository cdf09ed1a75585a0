"""The public verification page a certificate's QR code opens, the JWK Set that
checks the QR tokens offline, and revocation by staff from the same page.

``GET /verify/<number>?t=<token>`` needs no sign-in and shows only the
certificate's public details: its live status in words and colour, whether
the token in the link is authentic, the issuer and the validity. ``GET /verify``
is the form that looks a certificate up by the number printed on it.
"""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.core.actor import Actor
from portal.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal.core.extensions import db, limiter, processes
from portal.core.i18n import N_
from portal.issuance.services import CertificateService
from portal.issuance.status import Verification
from portal.issuance.verification import token_checker
from portal.pages.display import certificate_details
from portal.pages.viewhelpers import current_actor
from portal.public.routes import bp

MAX_NUMBER = 64  # the longest certificate number is 14 characters
JWKS_MAX_AGE = 300  # a rotated key is published before it signs, so a short cache is safe
UNLIMITED = frozenset({"public.verify", "public.jwks", "api.certificates.get_certificate"})


def _service() -> CertificateService:
    return CertificateService(db.session, processes.platform.issuing)


@bp.get("/verify")
def lookup() -> BaseResponse:
    """The form to look a certificate up by its number; with ``number``, its page.

    A number goes to ``/verify/<number>`` (which answers 404 for an unknown one).

    :raise 422: the number is empty, too long, or holds a slash or whitespace
        (the form again, with the error).
    """
    if "number" not in request.args:
        return _uncached(render_template("public/verify_lookup.html", number="", error=None), 200)
    number = request.args.get("number", "").strip().upper()
    error = _number_error(number)
    if error is not None:
        page = render_template("public/verify_lookup.html", number=number, error=error)
        return _uncached(page, 422)
    return redirect(url_for(".verify", number=number))


def _number_error(number: str) -> str | None:
    """Why ``number`` cannot be a certificate number, or ``None``."""
    if not number:
        return gettext("Enter the certificate number printed on the certificate.")
    if len(number) > MAX_NUMBER or any(c.isspace() or c in "/?#\\" for c in number):
        return gettext("This is not a certificate number: check what you typed.")
    return None


@bp.get("/verify/<number>")
def verify(number: str) -> BaseResponse:
    """The certificate's live status and public details, and what the QR token proves.

    Read on the public read path (``portal.issuance.verification``: one SELECT, no
    transaction); staff who may revoke get the revocation form. An anonymous
    reader's request is usually answered before it gets here
    (``portal.public.fast_path``).

    :raise 404: no such certificate (a page saying so).
    """
    token = request.args.get("t")
    issuing = processes.platform.issuing
    try:
        verification = db.read(
            lambda reader: CertificateService(reader, issuing).verify(number, token)
        )
    except NotFound:
        page = render_template("public/verify_unknown.html", number=number)
        return _uncached(page, 404)
    actor = current_actor() if current_user.is_authenticated else None
    page = _render(verification, token, can_revoke=_may_revoke(actor, verification))
    return _uncached(page, 200)


def _render(verification: Verification, token: str | None, *, can_revoke: bool) -> str:
    certificate = verification.certificate
    return render_template(
        "public/verify.html",
        verification=verification,
        certificate=certificate,
        details=certificate_details(certificate.details, certificate),
        token=token,
        can_revoke=can_revoke,
    )


def _may_revoke(actor: Actor | None, verification: Verification) -> bool:
    """Whether the revocation form shows (never for anonymous readers)."""
    if actor is None:
        return False
    certificate = verification.certificate
    service = CertificateService(db.session, processes.platform.issuing)
    return service.may_revoke(actor, certificate) and certificate.revoked_at is None


@bp.post("/verify/<number>/revoke")
@login_required
def revoke(number: str) -> BaseResponse:
    """Revoke the certificate with the reason given, then show its page again.

    Revoking cannot be undone, so the form must say the user understands that
    (``confirm``); without it, or without a reason, nothing changes and the page
    says why.

    :raise 403: the user may not revoke it. :raise 404: no such certificate.
    """
    service = _service()
    token = request.form.get("t") or None
    back = redirect(url_for(".verify", number=number.strip().upper(), t=token))
    if request.form.get("confirm") != "yes":
        certificate = service.public(number)
        if not service.may_revoke(current_actor(), certificate):
            raise Forbidden(N_("You may not revoke this certificate."))
        flash(gettext("Confirm that you understand a revocation cannot be undone."), "error")
        if not request.form.get("reason", "").strip():
            flash(gettext("Give the reason for the revocation."), "error")
        return back
    try:
        service.revoke(current_actor(), number, request.form.get("reason", ""))
    except Invalid as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(gettext(message), "error")
    except Conflict as exc:
        flash(gettext(exc.message), "error")
    else:
        flash(gettext("The certificate is revoked."), "success")
    return back


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys (RFC 7517) that verify the tokens in certificates' QR codes."""
    response = jsonify(token_checker(processes.platform.issuing.keys).jwks())
    response.mimetype = "application/jwk-set+json"
    response.cache_control.public = True
    response.cache_control.max_age = JWKS_MAX_AGE
    return response


@limiter.request_filter
def _unlimited() -> bool:
    """The public verification, its JWK Set and its JSON twin are never rate-limited:
    the limiter skips its bookkeeping for them."""
    return request.endpoint in UNLIMITED


def _uncached(page: str, status: int) -> BaseResponse:
    """A page that must show the status as it is now: never from a cache."""
    response = BaseResponse(page, status=status, mimetype="text/html")
    response.cache_control.no_store = True
    return response
