"""Error pages for people and JSON errors for programs; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.services.errors import ServiceError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(exc: HTTPException) -> tuple[Response | str, int]:
    status = exc.code or 500
    if _wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": {"code": code, "message": exc.description}}), status
    return render_template(
        "errors/error.html", status=status, title=exc.name, message=exc.description
    ), status


def _service_error(exc: ServiceError) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify({"error": {"code": exc.code, "message": gettext(exc.message)}}), exc.status
    return render_template(
        "errors/error.html",
        status=exc.status,
        title=None,
        message=gettext(exc.message, **exc.params),
    ), exc.status


def _unexpected(exc: Exception) -> tuple[Response | str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    if not app.debug:
        app.register_error_handler(Exception, _unexpected)
