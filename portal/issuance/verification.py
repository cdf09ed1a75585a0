"""The public verification's read path: one SELECT, and the token checked in memory.

A verification (``/verify/{number}``, ``GET /api/v1/certificates/{number}``) is
the portal's busiest public request: every scanned QR code is one. It reads

- the certificate with everything its page and JSON show, in **one** SELECT
  (:func:`public_certificate_query`: the holder's name, the number of the
  certificate that superseded it, and the application's process definition
  whose manifest may name the type and its fields, joined; the definition's
  large columns left out);
- the JWK Set from memory (:class:`TokenChecker`): the key folder is listed
  only when its modification time changed (a rotation adds files, retiring a
  key moves them out: both change it), so a new key verifies at once, and at
  least once a minute;
- what a token proves, remembered per token for the day (China time): a
  token's claims and signature never change, and its ``nbf``/``exp`` fall on
  China midnights, so the answer of the same day is the same answer.

The status itself is never cached: it is derived from the row read by each
request, so a revocation shows at the next request, everywhere.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from certificates import InvalidToken, KeyStore, TokenClaims, verify_token
from portal.applications.models import Application, ProcessDefinition
from portal.core.clock import china_today
from portal.issuance.models import Certificate

JWKS_REREAD_SECONDS = 60
"""The JWK Set is read again at least this often, even when the key folder's time
did not move (a file system with coarse times, a secret volume swapped in place)."""
REMEMBERED_TOKENS = 2048
"""Token answers each worker keeps (a few hundred bytes each)."""


def _public_certificate_statement() -> sa.Select[Certificate]:
    return (
        sa.select(Certificate)
        .options(
            joinedload(Certificate.organization),
            joinedload(Certificate.superseded_by).load_only(Certificate.number),
            joinedload(Certificate.application)
            .load_only(Application.definition_id)
            .joinedload(Application.definition)
            .load_only(
                ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.content_hash
            ),
        )
        .where(Certificate.number == sa.bindparam("number"))
    )


PUBLIC_CERTIFICATE = _public_certificate_statement()
"""The certificate of the bound ``number`` with what its public view shows, in one
statement: built once (building the loader options costs more than running it)."""


def public_certificate(session: Session, number: str) -> Certificate | None:
    """The certificate ``number`` (trimmed, upper case) with what its public view
    shows, or None."""
    return session.scalar(PUBLIC_CERTIFICATE, {"number": number.strip().upper()})


class TokenChecker:
    """Verifies QR tokens against the key store's JWK Set, kept in memory.

    One per key store (:func:`token_checker`), shared by a worker's threads.
    """

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._lock = threading.Lock()
        self._version: int | None = None
        self._jwks: dict[str, list[dict[str, str]]] = {"keys": []}
        self._answers: OrderedDict[tuple[str, int, date], TokenClaims | InvalidToken] = (
            OrderedDict()
        )

    def version(self) -> int:
        """What identifies the JWK Set now: the key folder's modification time, and
        the minute (so a folder whose time did not move is read again each minute)."""
        return self._folder_version()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set, read again from the key folder only when the folder changed."""
        version = self._folder_version()
        with self._lock:
            if version == self._version:
                return self._jwks
        jwks = self.keys.jwks()
        with self._lock:
            self._version, self._jwks = version, jwks
            self._answers.clear()
        return jwks

    def claims(self, token: str) -> TokenClaims:
        """The claims of an authentic ``token`` (see :func:`certificates.verify_token`).

        :raise InvalidToken: malformed, altered, or signed by no key of the JWK Set.
        """
        jwks = self.jwks()
        key = (token, self._version or 0, china_today())
        with self._lock:
            answer = self._answers.get(key)
        if answer is None:
            try:
                answer = verify_token(token, jwks)
            except InvalidToken as exc:
                answer = exc
            self._remember(key, answer)
        if isinstance(answer, InvalidToken):
            raise answer
        return answer

    def _remember(self, key: tuple[str, int, date], answer: TokenClaims | InvalidToken) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > REMEMBERED_TOKENS:
                self._answers.popitem(last=False)

    def _folder_version(self) -> int:
        minute = int(time.monotonic() // JWKS_REREAD_SECONDS)
        try:
            return hash((os.stat(self.keys.directory / "jws").st_mtime_ns, minute))
        except FileNotFoundError:
            return minute


_CHECKERS: weakref.WeakKeyDictionary[KeyStore, TokenChecker] = weakref.WeakKeyDictionary()
_CHECKERS_LOCK = threading.Lock()


def token_checker(keys: KeyStore) -> TokenChecker:
    """The token checker of ``keys`` (one per key store and process)."""
    with _CHECKERS_LOCK:
        checker = _CHECKERS.get(keys)
        if checker is None:
            checker = _CHECKERS[keys] = TokenChecker(keys)
        return checker
