"""The fast path of public verification: an anonymous reader's answer served again
while the certificate's row is the same.

``GET /verify/{number}`` and ``GET /api/v1/certificates/{number}`` are what
every scanned QR code asks. For a request without a cookie and without an
``Authorization`` header (an anonymous reader: no session, no language chosen,
nobody to authenticate) the answer is a function of the address (number and
token), the certificate's row (with its holder's name, the number that
superseded it, its process definition), the day in China (expiry), the JWK Set
(whether the token is authentic) and, for the API, ``Accept-Language``. This
WSGI middleware reads that row at **every** request (one SELECT on the public
read engine, ``portal.core.db.create_read_engine``) and, when all of these are
what they were when the portal last answered, sends that answer again, bytes
and headers alike, without running the Flask request (hooks, session, sign-in,
template). Otherwise the request goes through the portal as any other, and a
200 answer without ``Set-Cookie`` is kept for next time.

So the status is never cached: a revocation, a supersession or an expiry
changes the row (or the day) and the next request renders anew. (An answer the
portal rendered from a row newer than its key's is kept under the older row,
which no later request reads again: a certificate's state never goes back.)
Unknown numbers, signed-in users and every other request take the ordinary path.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from certificates import KeyStore
from portal.accounts.models import Organization
from portal.applications.models import Application
from portal.core.clock import china_today
from portal.core.db import retry_disconnect
from portal.issuance.models import Certificate
from portal.issuance.verification import token_checker

KEPT_ANSWERS = 512
"""Answers each worker keeps (a page is about 10 KB), least recently used dropped."""
PATH = re.compile(r"/(?:verify|api/v1/certificates)/([A-Za-z0-9]{1,64})")

SHOWN = (
    "number",
    "cert_type",
    "title",
    "subject",
    "issuer",
    "details",
    "issued_at",
    "valid_from",
    "valid_until",
    "state",
    "superseded_at",
    "revoked_at",
    "revocation_reason",
    "serial",
    "fingerprint",
)
"""The certificate's columns its public page and JSON show (with whether it has a PEM,
its holder's name, the superseding number and its process definition)."""

StartResponse = Callable[..., Any]
Answer = tuple[str, list[tuple[str, str]], bytes]


def _row_statement() -> sa.Select[Any]:
    """Everything a public answer shows of a certificate, in one statement."""
    certificates = cast(sa.Table, Certificate.__table__)
    superseding = certificates.alias("superseding")
    organizations = cast(sa.Table, Organization.__table__)
    applications = cast(sa.Table, Application.__table__)
    return (
        sa.select(
            *(certificates.c[name] for name in SHOWN),
            certificates.c.pem.is_not(None),
            organizations.c.name,
            superseding.c.number,
            applications.c.definition_id,
        )
        .select_from(
            certificates.outerjoin(
                organizations, organizations.c.id == certificates.c.organization_id
            )
            .outerjoin(superseding, superseding.c.id == certificates.c.superseded_by_id)
            .outerjoin(applications, applications.c.id == certificates.c.application_id)
        )
        .where(certificates.c.number == sa.bindparam("number"))
    )


ROW = _row_statement()


class VerificationFastPath:
    """WSGI middleware around a portal's ``wsgi_app`` (see the module's docstring)."""

    def __init__(self, app: Flask, size: int = KEPT_ANSWERS) -> None:
        self.inner = app.wsgi_app
        writer = app.extensions["portal.core.db"][0]
        self.engine: Engine = app.extensions["portal.core.db.read"][0] or writer
        self.keys: KeyStore = app.extensions["portal.keys"]
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.inner(environ, start_response)
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
        if answer is None:
            return self._answer_and_keep(key, environ, start_response)
        status, headers, body = answer
        start_response(status, list(headers))
        return [body]

    def _key(self, environ: dict[str, Any]) -> tuple[Any, ...] | None:
        """What the answer depends on, or None when the request is not an anonymous
        reader's verification of a known certificate."""
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ:
            return None
        if "HTTP_AUTHORIZATION" in environ:
            return None
        path = environ.get("PATH_INFO", "")
        match = PATH.fullmatch(path)
        if match is None:
            return None
        row = self._row(match[1].upper())
        if row is None:
            return None
        language = environ.get("HTTP_ACCEPT_LANGUAGE", "") if path.startswith("/api/") else ""
        return (
            path,
            environ.get("QUERY_STRING", ""),
            language,
            tuple(_hashable(value) for value in row),
            china_today(),
            token_checker(self.keys).version(),
        )

    def _row(self, number: str) -> sa.Row[Any] | None:
        def read() -> sa.Row[Any] | None:
            with self.engine.connect() as connection:
                return connection.execute(ROW, {"number": number}).first()

        return retry_disconnect(read, lambda: None)

    def _answer_and_keep(
        self, key: tuple[Any, ...], environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """The portal's own answer, kept when it is a 200 that sets no cookie."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        chunks = self.inner(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        headers = seen.get("headers", [])
        cookie = any(name.lower() == "set-cookie" for name, _ in headers)
        if str(seen.get("status", "")).startswith("200 ") and not cookie:
            with self._lock:
                self._answers[key] = (seen["status"], headers, body)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
        return [body]


def _hashable(value: Any) -> Any:
    """A column's value as part of a key (JSON columns as their canonical text)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def init_app(app: Flask) -> None:
    """Put the fast path in front of ``app`` (after its database and keys are bound)."""
    app.wsgi_app = VerificationFastPath(app)  # type: ignore[method-assign]
