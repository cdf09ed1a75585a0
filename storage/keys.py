"""Object keys: the grammar every backend accepts, and collision-free new keys."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

MAX_KEY_LENGTH = 1024  # S3's limit on object names
MAX_SEGMENT_LENGTH = 255  # most filesystems' limit on one path component

_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key.

    A key is a relative POSIX-like path: segments separated by ``/``, each made
    of ``A-Z a-z 0-9 . _ -`` and not starting with a dot (so ``.``, ``..`` and
    hidden names are impossible, which leaves dot-names free for the backends'
    own bookkeeping). No empty segments, no leading or trailing slash, at most
    1024 characters in all and 255 per segment.

    :raise ValueError: the key breaks any of these rules.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"an object key must have 1 to {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if len(segment) > MAX_SEGMENT_LENGTH or not _SEGMENT.fullmatch(segment):
            raise ValueError(
                f"invalid object key {key!r}: each '/'-separated segment must be 1 to "
                f"{MAX_SEGMENT_LENGTH} of A-Z a-z 0-9 . _ - and must not start with a dot"
            )
    return key


def new_key(prefix: str) -> str:
    """Return a fresh key such as ``documents/2026/11/<32 hex digits>``.

    The year and month are UTC; the last segment is a random UUID4, so machines
    sharing a bucket never collide. ``prefix`` is a word or a path of words
    (``"documents"``, ``"filings/software"``).

    :raise ValueError: ``prefix`` would not make a valid key.
    """
    now = datetime.now(UTC)
    return validate_key(f"{prefix}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}")
