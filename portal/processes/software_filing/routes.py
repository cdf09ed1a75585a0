"""Pages and API routes of the software filing: the public register of filed
software (page and JSON) and the pre-filled service commitment letter."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, send_file

from portal.api.common import API_PREFIX, actor, init_blueprint, parse_id, signed_in
from portal.api.serializers import timestamp
from portal.core.extensions import db, processes
from portal.core.paging import page_request
from portal.issuance.services import CertificateService
from portal.processes.software_filing import public_register
from portal.processes.software_filing.public_register import RegisterEntry
from portal.processes.software_filing.services import FilingService

pages = Blueprint("software_register", __name__, template_folder="templates")
api = Blueprint("software_filing_api", __name__, url_prefix=API_PREFIX)
init_blueprint(api)


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@pages.get("/register/software")
def software() -> str:
    """Filed ticketing software: product, vendor, filing number, validity, live status
    and package digests, searchable by product, vendor, filing number or the
    package's full MD5 or SHA-256 (``?q=``). Revoked filings are listed apart,
    without a validity, 20 a page each (``?page=`` and ``?revoked_page=``)."""
    query = request.args.get("q", "")
    found = public_register.search(db.session, query, _page_number(), revoked=False)
    revoked_page = request.args.get("revoked_page", 1, type=int) or 1
    revoked = public_register.search(db.session, query, revoked_page, revoked=True)
    return render_template("software_filing/register.html", found=found, revoked=revoked)


@api.get("/register/software")
def software_json() -> Response:
    """Filed ticketing software matching ``?q=`` (product, vendor or filing number, or
    the package's full MD5 or SHA-256), newest first, each with its live status
    (revoked entries included: ``status`` says so). A page is asked for by number
    (``?page=``, 20 a page) or, from a page's ``next`` link, by cursor (``?cursor=``,
    ``?limit=`` up to 200); ``page`` is null for a page asked for by cursor.

    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request(default_limit=public_register.PER_PAGE)
    found = public_register.search(
        db.session,
        request.args.get("q", ""),
        _page_number(),
        wanted.limit,
        cursor=wanted.cursor,
    )
    certificates = CertificateService(db.session, processes.platform.issuing)
    response = jsonify(
        {
            "items": [register_entry_json(entry, certificates) for entry in found.entries],
            "next": _next_link(found.after),
            "q": found.query,
            "page": found.page,
            "per_page": found.per_page,
            "pages": found.pages,
            "total": found.total,
        }
    )
    response.cache_control.no_store = True
    return response


def _next_link(after: str | None) -> str | None:
    """This request's address for the entries after ``after`` (its ``page`` dropped:
    the cursor says where the next page starts), or None after the last entry."""
    if after is None:
        return None
    args = request.args.copy()
    args.pop("page", None)
    args["cursor"] = after
    return f"{request.path}?{urlencode(list(args.items(multi=True)))}"


@api.get("/applications/<application_id>/commitment-letter.pdf")
@signed_in
def commitment_letter(application_id: str) -> Response:
    """The service commitment letter of a software filing, filled in, to sign and upload.

    :raise 404: not a filing application of the caller's organisation.
    :raise 409: the product name or version is not saved yet.
    """
    pdf = FilingService(db.session, processes.platform.issuing).commitment_letter(
        actor(), parse_id(application_id)
    )
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name="commitment-letter.pdf",
        max_age=0,
    )
    response.cache_control.private = True
    return response


def register_entry_json(entry: RegisterEntry, certificates: CertificateService) -> dict[str, Any]:
    """An entry of the public register of filed software, with its live status."""
    filing = entry.filing
    certificate = filing.certificate
    return {
        "filing_number": filing.filing_number,
        "product_name": filing.product_name,
        "version": filing.version,
        "variant": filing.variant,
        "vendor": filing.vendor_name,
        "filed_at": timestamp(filing.filed_at),
        "valid_from": filing.valid_from.isoformat(),
        "valid_until": filing.valid_until.isoformat(),
        "status": entry.status,
        "package_md5": filing.package_md5,
        "package_sha256": filing.package_sha256,
        "certificate_number": certificate.number if certificate else None,
        "verify_url": certificates.verify_url(certificate) if certificate else None,
    }
