"""The signed token in a certificate's QR code: a compact JWS (RFC 7515, EdDSA).

The token goes into a QR code that must still scan from a 72-dpi photocopy, so
it carries only what identifies the certificate: the number, the type, the
subject's digest and the validity::

    {"num": "BAZS2026000001", "typ": "filing", "sub": "kX3vQ9_a",
     "nbf": 1795276800, "exp": 1889884800}

``sub`` is :func:`subject_digest` of the subject (the first 8 characters of the
base64url SHA-256 of its UTF-8 text: 48 bits, enough to tell which subject a
signed token names; the verification page shows the subject in full). The
protected header is ``{"alg": "EdDSA", "kid": "..."}`` with the key store's
short key id. Tokens issued before (certificates already printed) carry the
subject in full, ``iss`` and ``iat`` and a 16-character ``kid``; they verify
the same way for as long as their key is in the JWK Set, and
:meth:`TokenClaims.names_subject` accepts both forms.

Authenticity is not validity: a token checks out for as long as its key is in
the JWK Set, also after the certificate expired (``expired`` says so) or was
revoked (only the live verification page knows that).

Dates are civil dates in Beijing (UTC+8): a certificate "valid from 2026年11月22日
until 2029年11月21日" has ``nbf`` at 00:00 on the first day and ``exp`` at 00:00
on the day after the last, Beijing time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519

BEIJING = ZoneInfo("Asia/Shanghai")
ALGORITHM = "EdDSA"
_REQUIRED = ("num", "typ", "sub", "nbf")
DIGEST_LENGTH = 8


class InvalidToken(Exception):
    """The token is malformed, uses another algorithm, names an unknown key, or its
    signature does not verify: nothing in it can be trusted."""


@dataclass(frozen=True)
class TokenClaims:
    """What an authentic token says. Times are timezone-aware (UTC).

    ``subject`` is the ``sub`` claim as signed: the subject's digest (tokens of
    now) or the subject itself (older tokens); compare with :meth:`names_subject`.
    ``issuer`` and ``issued_at`` are ``None`` in tokens of now (older ones have them).
    """

    number: str
    cert_type: str
    subject: str
    issuer: str | None
    valid_from: datetime
    valid_until: datetime | None
    issued_at: datetime | None
    kid: str
    expired: bool
    """``valid_until`` has passed (at verification time)."""
    not_yet_valid: bool
    """``valid_from`` is still to come (at verification time)."""

    def names_subject(self, subject: str) -> bool:
        """Whether the token was issued for ``subject`` (in full, or by its digest)."""
        return self.subject in (subject, subject_digest(subject))


def subject_digest(subject: str) -> str:
    """The short form of ``subject`` a token carries: the first 8 characters of the
    base64url (unpadded) SHA-256 of its NFC-normalised UTF-8 text."""
    raw = hashlib.sha256(unicodedata.normalize("NFC", subject).encode()).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii")[:DIGEST_LENGTH]


class _CompactJSON(json.JSONEncoder):
    """UTF-8 rather than ``\\uXXXX`` escapes: a Chinese name takes half the QR space."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(**kwargs)


def issue_token(
    key: ed25519.Ed25519PrivateKey,
    kid: str,
    *,
    number: str,
    cert_type: str,
    subject: str,
    valid_from: date | datetime,
    valid_until: date | datetime | None,
) -> str:
    """Sign the certificate's number, type, subject (its digest) and validity into
    a compact JWS for its QR code.

    ``valid_from``/``valid_until`` are dates (Beijing civil days, both included)
    or timezone-aware datetimes; ``valid_until`` ``None`` means no end (no ``exp``).

    :raise ValueError: a datetime is naive, or the validity would end before it begins.
    """
    not_before = _start(valid_from)
    payload: dict[str, Any] = {
        "num": number,
        "typ": cert_type,
        "sub": subject_digest(subject),
        "nbf": int(not_before.timestamp()),
    }
    if valid_until is not None:
        expires = _end(valid_until)
        if expires <= not_before:
            raise ValueError("valid_until is before valid_from")
        payload["exp"] = int(expires.timestamp())
    return jwt.encode(
        payload,
        key,
        algorithm=ALGORITHM,
        headers={"kid": kid, "typ": None},  # typ would only add bytes to the QR code
        json_encoder=_CompactJSON,
    )


def verify_token(
    token: str,
    jwks: Mapping[str, Any],
    *,
    require_exp: bool = False,
    now: datetime | None = None,
) -> TokenClaims:
    """Check ``token`` against the JWK Set ``jwks`` and return its claims.

    Only ``EdDSA`` with an Ed25519 key from ``jwks`` (looked up by the header's
    ``kid``) is accepted; ``none``, HMAC and every other algorithm are refused
    before any key is used. Expiry and ``nbf`` do not fail verification: they
    are reported in :attr:`TokenClaims.expired` and :attr:`TokenClaims.not_yet_valid`,
    measured at ``now`` (default: the current time).

    :raise InvalidToken: malformed, wrong algorithm, unknown ``kid``, bad
        signature, a claim missing or of the wrong type, or no ``exp`` when
        ``require_exp`` is true.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken(f"malformed token: {error}") from error
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    kid = header.get("kid")
    public_key = _find_key(jwks, kid)
    required = [*_REQUIRED, "exp"] if require_exp else list(_REQUIRED)
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            options={
                "require": required,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_iss": False,
                "verify_aud": False,
                "verify_sub": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(f"token does not verify: {error}") from error
    return _claims(claims, str(kid), now or datetime.now(UTC))


def _find_key(jwks: Mapping[str, Any], kid: object) -> ed25519.Ed25519PublicKey:
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("token names no key (kid)")
    for entry in jwks.get("keys", []):
        if not isinstance(entry, Mapping) or entry.get("kid") != kid:
            continue
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            raise InvalidToken(f"key {kid!r} is not an Ed25519 key")
        if entry.get("alg", ALGORITHM) != ALGORITHM:
            raise InvalidToken(f"key {kid!r} is not for {ALGORITHM}")
        try:
            key = jwt.PyJWK(dict(entry), algorithm=ALGORITHM).key
        except jwt.PyJWTError as error:
            raise InvalidToken(f"key {kid!r} is unusable: {error}") from error
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise InvalidToken(f"key {kid!r} is not a public Ed25519 key")
        return key
    raise InvalidToken(f"unknown key {kid!r}")


def _claims(claims: dict[str, Any], kid: str, now: datetime) -> TokenClaims:
    strings = {name: claims[name] for name in ("num", "typ", "sub")}
    numbers = {name: claims.get(name) for name in ("nbf", "exp", "iat")}
    issuer = claims.get("iss")
    if not all(isinstance(value, str) for value in strings.values()):
        raise InvalidToken("num, typ and sub must be strings")
    if issuer is not None and not isinstance(issuer, str):
        raise InvalidToken("iss must be a string")
    if not all(
        value is None or (isinstance(value, int) and not isinstance(value, bool))
        for value in numbers.values()
    ):
        raise InvalidToken("nbf, exp and iat must be integers")
    valid_from = datetime.fromtimestamp(claims["nbf"], UTC)
    exp = claims.get("exp")
    valid_until = datetime.fromtimestamp(exp, UTC) if exp is not None else None
    iat = claims.get("iat")
    return TokenClaims(
        number=strings["num"],
        cert_type=strings["typ"],
        subject=strings["sub"],
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=datetime.fromtimestamp(iat, UTC) if iat is not None else None,
        kid=kid,
        expired=valid_until is not None and now >= valid_until,
        not_yet_valid=now < valid_from,
    )


def _start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return _aware(value)
    return datetime.combine(value, time(), BEIJING)


def _end(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return _aware(value)
    return datetime.combine(value + timedelta(days=1), time(), BEIJING)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes in a token must be timezone-aware")
    return value
