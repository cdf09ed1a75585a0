"""Request input refused before any view sees it, for every page and API route.

What a view cannot be expected to check each time, and what would otherwise
surface as a 500 deep inside the database or the JSON decoder:

- integers in the path beyond 64 bits (``/announcements/99999999999999999999999``)
  do not match the route, so they are simply not found (404);
- page numbers (``?page=``, ``?per_page=``) beyond what a page can be are 422;
- NUL characters (PostgreSQL refuses them in text) in the query, a form field,
  an uploaded file's name or a JSON body are 422; in the path, 404;
- a JSON body nested deeper than :data:`MAX_JSON_DEPTH`, or holding a lone
  surrogate (``"\\ud800"``, which no database can store as UTF-8), is 422;
- a route marked with :func:`upload_limit` refuses a larger body with 413 from
  its ``Content-Length``, before anything is read.

:func:`load_json` applies the same JSON rules to uploaded JSON files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from portal.core.errors import Invalid
from portal.core.i18n import N_

F = TypeVar("F", bound=Callable[..., Any])

MAX_JSON_DEPTH = 64
"""Deeper than any form, manifest or API body the portal understands."""
MAX_INT64 = 2**63 - 1
MAX_PAGE = 2**31 - 1
PAGE_ARGUMENTS = ("page", "per_page")
UPLOAD_LIMIT_ATTRIBUTE = "portal_upload_limit"

NUL_MESSAGE = N_("Text must not contain NUL characters.")
SURROGATE_MESSAGE = N_("Text must be valid Unicode (no lone surrogates).")
DEPTH_MESSAGE = N_("The JSON is nested too deeply.")
PAGE_MESSAGE = N_("The page number is out of range.")


class JsonRefused(ValueError):
    """JSON the portal does not accept; ``message`` is an English message id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` limited to what a 64-bit database column holds."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT64)
        super().__init__(map, *args, **kwargs)


def upload_limit(config_key: str) -> Callable[[F], F]:
    """Mark a view whose request body may be at most ``app.config[config_key]`` bytes.

    A larger declared ``Content-Length`` is refused with 413 before the body is
    read; a body without one is cut at the limit while it is parsed (413 too).
    """

    def mark(view: F) -> F:
        setattr(view, UPLOAD_LIMIT_ATTRIBUTE, config_key)
        return view

    return mark


def load_json(data: bytes | str) -> Any:
    """Parse ``data`` as JSON under the portal's rules.

    :raise JsonRefused: nested deeper than :data:`MAX_JSON_DEPTH`, or a string
        with a NUL character or a lone surrogate.
    :raise ValueError: not JSON at all (``json.JSONDecodeError``,
        ``UnicodeDecodeError``).
    """
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise JsonRefused(DEPTH_MESSAGE) from exc
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """Walk a parsed JSON value (without recursion).

    :raise JsonRefused: see :func:`load_json`.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise JsonRefused(DEPTH_MESSAGE)
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise JsonRefused(NUL_MESSAGE)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JsonRefused(SURROGATE_MESSAGE) from exc


def _guard_request() -> None:
    """Refuse what no route accepts (see the module's docstring).

    :raise RequestEntityTooLarge: the body is larger than the route's upload limit.
    :raise NotFound: a NUL character in the path, or (through the converter) an
        integer in the path beyond 64 bits.
    :raise Invalid: a NUL character, a page number out of range, refused JSON.
    """
    _apply_upload_limit()
    _check_query()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_form()
    elif request.is_json:
        _check_json_body()


def _check_query() -> None:
    if "\x00" in request.path:
        raise NotFound()  # no route, path parameter or stored key holds a NUL
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise Invalid({name: [NUL_MESSAGE]}, NUL_MESSAGE)
        if name in PAGE_ARGUMENTS and _out_of_range(value):
            raise Invalid({name: [PAGE_MESSAGE]}, PAGE_MESSAGE)


def _check_form() -> None:
    for name, value in request.form.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise Invalid({name: [NUL_MESSAGE]}, NUL_MESSAGE)
    for name, upload in request.files.items(multi=True):
        if "\x00" in name or "\x00" in (upload.filename or ""):
            raise Invalid({name: [NUL_MESSAGE]}, NUL_MESSAGE)


def _check_json_body() -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        load_json(data)
    except JsonRefused as exc:
        raise Invalid({"": [exc.message]}, exc.message) from exc
    except ValueError:
        return  # not JSON: the view answers that the body must be a JSON object


def _apply_upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    config_key = getattr(view, UPLOAD_LIMIT_ATTRIBUTE, None)
    if config_key is None:
        return
    limit = int(current_app.config[config_key])
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    request.max_content_length = limit


def _out_of_range(value: str) -> bool:
    try:
        number = int(value)
    except ValueError:
        return False  # not a number: the page falls back to the first page
    return not -MAX_PAGE <= number <= MAX_PAGE


def init_app(app: Flask) -> None:
    """Install the guards; call before the blueprints and other extensions are registered,
    so that the bounded integer converter applies to every route and the guards run
    first (before the CSRF check reads a form)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_guard_request)
