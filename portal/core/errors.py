"""Errors services raise. The web layer maps each to one HTTP status.

Messages are English msgids; pages and the API translate them for the reader.
"""

from __future__ import annotations

from collections.abc import Mapping

from portal.core.i18n import N_


class ServiceError(Exception):
    """Base class. ``code`` is the stable machine-readable error code."""

    code = "error"
    status = 400

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(ServiceError):
    """Unknown, or not the caller's to see (never reveal which)."""

    code = "not_found"
    status = 404


class Forbidden(ServiceError):
    """Visible to the caller, but the caller may not do this."""

    code = "forbidden"
    status = 403


class Conflict(ServiceError):
    """The current state does not allow it (already done, claimed, not editable)."""

    code = "conflict"
    status = 409


class Invalid(ServiceError):
    """Bad input; ``errors`` maps each field (dotted path) to its messages."""

    code = "invalid"
    status = 422

    def __init__(
        self, errors: Mapping[str, list[str]], message: str = N_("Invalid input.")
    ) -> None:
        super().__init__(message)
        self.errors = {key: list(messages) for key, messages in errors.items()}


class TooLarge(ServiceError):
    code = "too_large"
    status = 413


class Unauthorized(ServiceError):
    code = "unauthorized"
    status = 401
