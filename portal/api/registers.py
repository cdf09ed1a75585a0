"""Public registers (no sign-in): the register of filed ticketing software."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from portal.api.serializers import register_entry_json
from portal.core.extensions import db
from portal.issuance.services import CertificateService
from portal.processes.software_filing import public_register as software_register

bp = Blueprint("registers", __name__)


@bp.get("/register/software")
def software() -> Response:
    """Filed ticketing software matching ``?q=`` (product, vendor or filing number),
    newest first, 20 a page (``?page=``), each with its live status."""
    found = software_register.search(
        db.session, request.args.get("q", ""), request.args.get("page", 1, type=int) or 1
    )
    certificates = CertificateService.for_session(db.session)
    response = jsonify(
        {
            "items": [register_entry_json(entry, certificates) for entry in found.entries],
            "q": found.query,
            "page": found.page,
            "per_page": found.per_page,
            "pages": found.pages,
            "total": found.total,
        }
    )
    response.cache_control.no_store = True
    return response
