"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from portal.core.i18n import N_

HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
"""Argon2id, RFC 9106's second recommended profile (64 MiB, 3 passes)."""
MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 2
"""zxcvbn's score (0-4) a password needs: 2 means about a million guesses or more,
which refuses the common passwords and their usual variations (``P@ssw0rd``)."""
ESTIMATED_LENGTH = 72
"""zxcvbn refuses to estimate longer passwords; their first 72 characters are judged."""


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or corrupt hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


def password_problems(password: str, *, username: str = "") -> list[str]:
    """What is wrong with ``password`` under the policy; empty when it is strong enough.

    The policy follows common practice for Chinese government systems (等级保护):
    at least 8 characters, at least three of the four character classes, and
    not containing the user name. A password that meets those is then judged by
    zxcvbn: common passwords (``Password1``, ``P@ssw0rd``, ``Qwerty123``) and
    other easily guessed ones are refused.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(N_("Password must be at least 8 characters long."))
    if len(password) > MAX_LENGTH:
        problems.append(N_("Password must be at most 128 characters long."))
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 3:  # noqa: PLR2004 - three of four classes
        problems.append(
            N_(
                "Password must mix at least three of: lower-case letters, "
                "upper-case letters, digits, symbols."
            )
        )
    if username and username.lower() in password.lower():
        problems.append(N_("Password must not contain the user name."))
    if not problems and _too_guessable(password, username):
        problems.append(
            N_(
                "This password is too common or too easy to guess; "
                "choose a longer one that is not a known password or a keyboard pattern."
            )
        )
    return problems


def _too_guessable(password: str, username: str) -> bool:
    """Whether zxcvbn (Dropbox's estimator, with its lists of leaked passwords, words
    and keyboard patterns) scores ``password`` below :data:`MIN_SCORE`."""
    inputs = [username] if username else []
    return int(zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)["score"]) < MIN_SCORE
