"""What every API route shares: authentication, JSON input, errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from portal.accounts.services import AccountService
from portal.core.actor import Actor
from portal.core.error_pages import http_error_json
from portal.core.errors import Forbidden, Invalid, NotFound, ServiceError, Unauthorized
from portal.core.extensions import db
from portal.core.i18n import N_
from portal.core.paging import Page, next_link

F = TypeVar("F", bound=Callable[..., Any])
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
API_PREFIX = "/api/v1"


def init_blueprint(bp: Blueprint) -> None:
    """Authenticate every request of ``bp`` and answer its errors in the API's JSON
    (the API's own blueprint, and the API routes of process folders)."""
    bp.before_request(_authenticate)
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(HTTPException, _http_error)


def _authenticate() -> None:
    """Find the caller: a bearer token, else the page session (with CSRF)."""
    g.actor = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(N_("Use an Authorization: Bearer token."))
        user = AccountService(db.session).user_for_token(token.strip())
        if user is None:
            raise Unauthorized(N_("The token is invalid or has expired."))
        g.actor = Actor.of(user, ip=request.remote_addr)
    elif current_user.is_authenticated:
        if request.method in UNSAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except (ValidationError, CSRFError) as exc:
                raise Forbidden(N_("Missing or invalid CSRF token.")) from exc
        g.actor = Actor.of(current_user._get_current_object(), ip=request.remote_addr)


def actor() -> Actor:
    """The authenticated caller.

    :raise Unauthorized: nobody is signed in.
    """
    if g.get("actor") is None:
        raise Unauthorized(N_("Authentication required."))
    return cast(Actor, g.actor)


def signed_in(view: F) -> F:
    """Refuse the route with 401 unless the caller is authenticated."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def json_body() -> dict[str, Any]:
    """The request's JSON object.

    :raise Invalid: the body is not a JSON object.
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid({"": [N_("The request body must be a JSON object.")]})
    return payload


def object_field(payload: Mapping[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    """``payload[key]`` as an object (``{}`` when absent and optional).

    :raise Invalid: missing when required, or not an object.
    """
    value = payload.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Invalid({key: [N_("Expected an object.")]})
    return value


def parse_id(value: str) -> uuid.UUID:
    """A UUID path parameter; anything else is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(N_("Not found.")) from exc


def page_json(items: list[Any], page: Page[Any]) -> dict[str, Any]:
    """``{"items": [...], "next": link}``: ``next`` is this request's path and
    query with the next page's cursor, or None on the last page."""
    return {"items": items, "next": next_link(page)}


def upload_fields() -> tuple[str, FileStorage]:
    """The multipart ``slot`` and ``file`` of an upload.

    :raise Invalid: either is missing.
    """
    slot = request.form.get("slot", "")
    upload = request.files.get("file")
    errors: dict[str, list[str]] = {}
    if not slot:
        errors["slot"] = [N_("This field is required.")]
    if upload is None or not upload.filename:
        errors["file"] = [N_("Choose a file to upload.")]
    if errors or upload is None:
        raise Invalid(errors)
    return slot, upload


def error_response(
    status: int, code: str, message: str, errors: Mapping[str, list[str]] | None = None
) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def _service_error(exc: ServiceError) -> tuple[Response, int]:
    message = gettext(exc.message, **exc.params)
    if isinstance(exc, Invalid):
        errors = {key: [gettext(m) for m in messages] for key, messages in exc.errors.items()}
        invalid = error_response(exc.status, exc.code, message, errors)
        problems = getattr(exc, "problems", None)
        if problems is not None:
            body = invalid[0].get_json()
            body["problems"] = [p.as_dict() for p in problems]
            return jsonify(body), exc.status
        return invalid
    response, status = error_response(exc.status, exc.code, message)
    if status == 401:  # noqa: PLR2004
        response.headers["WWW-Authenticate"] = 'Bearer realm="portal"'
    return response, status


def _http_error(exc: HTTPException) -> Response:
    return http_error_json(exc)
