"""Resumable uploads of large documents: the core of tus 1.0.0, with creation and termination.

``POST /uploads`` announces a file (``Upload-Length``; ``Upload-Metadata``
with ``application``, ``slot``, ``filename`` and optionally ``filetype``,
each base64-encoded) and answers ``201`` with its ``Location``; ``PATCH``
appends a piece (``Content-Type: application/offset+octet-stream`` and
``Upload-Offset``, ``409`` when it is not where the upload stands); ``HEAD``
tells the offset to resume from; ``DELETE`` cancels. The response to the last
piece names the stored document in ``Upload-Document``. Errors are the API's
JSON; ``Tus-Resumable`` is on every answer. See
:mod:`portal.documents.uploads` for the rules.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from flask import Blueprint, Response, current_app, request, url_for

from portal.api.common import actor, signed_in
from portal.core.errors import Invalid, ServiceError
from portal.core.extensions import db, processes
from portal.core.i18n import N_
from portal.documents import uploads as service
from portal.documents.uploads import ResumableUploadService
from storage.partial import PartialUpload, PartialUploads

bp = Blueprint("uploads", __name__)

TUS_VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"


class PreconditionFailed(ServiceError):
    """The client speaks a tus version this server does not."""

    code = "unsupported_version"
    status = 412


class UnsupportedMediaType(ServiceError):
    """A piece must be sent as ``application/offset+octet-stream``."""

    code = "unsupported_media_type"
    status = 415


@bp.after_request
def _tus_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/uploads", methods=["OPTIONS"])
def capabilities() -> Response:
    """What this server supports (no authentication, as tus clients expect)."""
    response = Response(status=204)
    response.headers["Tus-Version"] = TUS_VERSION
    response.headers["Tus-Extension"] = "creation,termination"
    response.headers["Tus-Max-Size"] = str(current_app.config["MAX_CONTENT_LENGTH"])
    return response


@bp.post("/uploads")
@signed_in
def create_upload() -> Response:
    _require_version()
    length = _header_int("Upload-Length")
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    application = metadata.get(service.APPLICATION, "")
    errors: dict[str, list[str]] = {}
    for key in (service.APPLICATION, service.SLOT, service.FILENAME):
        if not metadata.get(key):
            errors[key] = [N_("This field is required.")]
    try:
        application_id = uuid.UUID(application)
    except ValueError:
        errors.setdefault(service.APPLICATION, [N_("Not a valid id.")])
    if errors:
        raise Invalid(errors)
    upload = _service().begin(
        actor(),
        application_id,
        slot_key=metadata[service.SLOT],
        filename=metadata[service.FILENAME],
        declared_type=metadata.get(service.FILETYPE) or None,
        length=length,
    )
    response = _state(upload, status=201)
    response.headers["Location"] = url_for(".upload", upload_id=upload.id)
    return response


@bp.route("/uploads/<upload_id>", methods=["HEAD"], endpoint="upload")
@signed_in
def upload_status(upload_id: str) -> Response:
    _require_version()
    return _state(_service().status(actor(), upload_id), status=200)


@bp.patch("/uploads/<upload_id>")
@signed_in
def append_piece(upload_id: str) -> Response:
    _require_version()
    if request.mimetype != OFFSET_TYPE:
        raise UnsupportedMediaType(N_("Send the piece as application/offset+octet-stream."))
    offset = _header_int("Upload-Offset")
    upload, document = _service().receive(actor(), upload_id, offset, request.stream)
    response = _state(upload, status=204)
    if document is not None:
        response.headers["Upload-Document"] = str(document.id)
    return response


@bp.delete("/uploads/<upload_id>")
@signed_in
def cancel_upload(upload_id: str) -> Response:
    _require_version()
    _service().cancel(actor(), upload_id)
    return Response(status=204)


def _service() -> ResumableUploadService:
    partials = PartialUploads(current_app.config["UPLOAD_DIR"])
    return ResumableUploadService(db.session, processes.platform, partials)


def _state(upload: PartialUpload, *, status: int) -> Response:
    response = Response(status=status)
    response.headers["Upload-Offset"] = str(upload.offset)
    response.headers["Upload-Length"] = str(upload.length)
    return response


def _require_version() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise PreconditionFailed(N_("Send Tus-Resumable: 1.0.0."))


def _header_int(name: str) -> int:
    """A non-negative integer header.

    :raise Invalid: missing or not a non-negative integer.
    """
    value = request.headers.get(name, "")
    if not value.isascii() or not value.isdigit():
        raise Invalid({name: [N_("Expected a non-negative whole number.")]})
    return int(value)


def _metadata(header: str) -> dict[str, str]:
    """The ``Upload-Metadata`` pairs, decoded.

    :raise Invalid: a value is not base64 of UTF-8 text.
    """
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Invalid(
                {"Upload-Metadata": [N_("Each value must be base64 of UTF-8 text.")]}
            ) from exc
    return pairs
