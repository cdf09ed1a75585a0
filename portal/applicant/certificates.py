"""The applicant's certificates: the signed PDF and, for a digital certificate, its
key bundle (PKCS#12) protected by a password the holder chooses."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from portal.applicant.routes import applicant_only, bp
from portal.core.errors import Conflict, Invalid
from portal.core.extensions import db, processes
from portal.issuance.digital import DigitalCertificateService
from portal.pages.viewhelpers import current_actor, safe_next


@bp.post("/certificates/<number>/bundle")
@applicant_only
def certificate_bundle(number: str) -> BaseResponse:
    """Download the digital certificate with its private key, as a .p12 file.

    :raise 404: not a digital certificate of the user's organisation.
    """
    back = safe_next(request.form.get("next"), url_for(".dashboard"))
    try:
        certificate, data = DigitalCertificateService(
            db.session, processes.platform.issuing
        ).bundle(current_actor(), number, request.form.get("password", ""))
    except Invalid as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(gettext(message), "error")
        return redirect(back)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
        return redirect(back)
    response = Response(data, mimetype="application/x-pkcs12")
    response.headers["Content-Disposition"] = f'attachment; filename="{certificate.number}.p12"'
    response.cache_control.no_store = True
    return response
