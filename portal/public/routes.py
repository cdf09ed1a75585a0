"""Public pages: the home page, the language switch, and document downloads."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, redirect, render_template, request, session
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.core.extensions import LANGUAGES, db, processes
from portal.documents.files import send_document
from portal.documents.services import DocumentService
from portal.pages.viewhelpers import current_actor, safe_next

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/")
def home() -> str:
    """What the portal is, with the way in: sign in, register, or one's own start page."""
    return render_template("public/home.html", user=current_user)


@bp.get("/lang/<code>")
def set_language(code: str) -> BaseResponse:
    """Switch the page language, then go back to the page the reader was on.

    Unknown languages are ignored; ``next`` is followed only to a local path.
    """
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), "/"))


@bp.get("/documents/<uuid:document_id>")
@login_required
def download_document(document_id: uuid.UUID) -> Response:
    """Send a stored document to a user allowed to see its application.

    :raise 404: unknown, or not the user's to see.
    """
    service = DocumentService(db.session, processes.platform)
    document = service.get(current_actor(), document_id)
    return send_document(service, document)
