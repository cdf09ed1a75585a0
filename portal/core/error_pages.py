"""Error pages for people and JSON errors for programs; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.errors import ServiceError
from portal.core.i18n import N_

log = logging.getLogger(__name__)

# Short messages for API clients, in the reader's language.
HTTP_MESSAGES = {
    400: N_("The request could not be processed."),
    401: N_("Authentication required."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    409: N_("This conflicts with the current state."),
    413: N_("The upload is too large."),
    422: N_("Invalid input."),
    429: N_("Too many requests. Please wait and try again."),
    500: N_("The portal could not complete the request."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def http_error_json(exc: HTTPException) -> Response:
    """The JSON error for an HTTP exception, keeping its headers (``Allow``, ``Retry-After``)."""
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    message = gettext(HTTP_MESSAGES.get(status, HTTP_MESSAGES[500]))
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _http_error(exc: HTTPException) -> Response | tuple[str, int, list[tuple[str, str]]]:
    if _wants_json():
        return http_error_json(exc)
    status = exc.code or 500
    headers = [(n, v) for n, v in exc.get_headers() if n.lower() != "content-type"]
    page = render_template("errors/error.html", status=status, title=exc.name, message=None)
    return page, status, headers


def _service_error(exc: ServiceError) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify({"error": {"code": exc.code, "message": gettext(exc.message)}}), exc.status
    return render_template(
        "errors/error.html",
        status=exc.status,
        title=None,
        message=gettext(exc.message, **exc.params),
    ), exc.status


def _unexpected(exc: Exception) -> Response | tuple[str, int, list[tuple[str, str]]]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    if not app.debug:
        app.register_error_handler(Exception, _unexpected)
