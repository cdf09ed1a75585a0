"""Applications and their documents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from portal.api.common import (
    actor,
    json_body,
    object_field,
    page_json,
    parse_id,
    signed_in,
    upload_fields,
)
from portal.api.serializers import application_json, application_summary_json, document_json
from portal.applications.models import Application
from portal.applications.services import ApplicationService
from portal.applications.views import application_view
from portal.core.errors import Invalid
from portal.core.extensions import db, processes
from portal.core.i18n import N_
from portal.core.paging import page_request
from portal.documents.files import send_document
from portal.documents.services import DocumentService

bp = Blueprint("applications", __name__)


def full_json(service: ApplicationService, application: Application) -> Response:
    """The application as the API shows it (one read model: :func:`application_view`)."""
    return jsonify(application_json(application_view(service.session, application)))


@bp.get("/applications")
@signed_in
def list_applications() -> Response:
    """A page of the applications the caller may see, newest first; ``?limit=``,
    ``?cursor=`` (see :mod:`portal.core.paging`)."""
    asked = page_request()
    page = ApplicationService(db.session, processes.platform).list(
        actor(), cursor=asked.cursor, limit=asked.limit
    )
    return jsonify(page_json([application_summary_json(a) for a in page.items], page))


@bp.post("/applications")
@signed_in
def create_application() -> tuple[Response, int]:
    payload = json_body()
    process = payload.get("process")
    if not isinstance(process, str) or not process:
        raise Invalid({"process": [N_("This field is required.")]})
    service = ApplicationService(db.session, processes.platform)
    application = service.create(actor(), process, object_field(payload, "data"))
    return full_json(service, application), 201


@bp.get("/applications/<application_id>")
@signed_in
def get_application(application_id: str) -> Response:
    service = ApplicationService(db.session, processes.platform)
    return full_json(service, service.get(actor(), parse_id(application_id)))


@bp.patch("/applications/<application_id>")
@signed_in
def update_application(application_id: str) -> Response:
    data = object_field(json_body(), "data", required=True)
    service = ApplicationService(db.session, processes.platform)
    return full_json(service, service.update_data(actor(), parse_id(application_id), data))


@bp.post("/applications/<application_id>/submit")
@signed_in
def submit_application(application_id: str) -> Response:
    service = ApplicationService(db.session, processes.platform)
    return full_json(service, service.submit(actor(), parse_id(application_id)))


@bp.post("/applications/<application_id>/withdraw")
@signed_in
def withdraw_application(application_id: str) -> Response:
    service = ApplicationService(db.session, processes.platform)
    return full_json(service, service.withdraw(actor(), parse_id(application_id)))


@bp.post("/applications/<application_id>/documents")
@signed_in
def upload_document(application_id: str) -> tuple[Response, int]:
    slot, upload = upload_fields()
    document = DocumentService(db.session, processes.platform).upload_to_application(
        actor(),
        parse_id(application_id),
        slot_key=slot,
        filename=upload.filename or "",
        declared_type=upload.mimetype,
        stream=upload.stream,
    )
    return jsonify(document_json(document)), 201


@bp.get("/documents/<document_id>")
@signed_in
def download_document(document_id: str) -> Response:
    service = DocumentService(db.session, processes.platform)
    document = service.get(actor(), parse_id(document_id))
    return send_document(service, document)
