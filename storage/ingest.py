"""Accepting an upload: judge its type by content, then store it within a size limit."""

from __future__ import annotations

from collections.abc import Collection
from typing import IO

from storage.filetypes import SNIFF_BYTES, normalise_type, sniff
from storage.interfaces import DocumentStore, StoredObject, TooLarge, WrongType
from storage.keys import validate_key
from storage.streams import prefixed, read_head


def ingest(
    store: DocumentStore,
    key: str,
    stream: IO[bytes],
    *,
    allowed: Collection[str] | None,
    max_size: int | None,
) -> StoredObject:
    """Store ``stream`` under ``key`` if its content is of an allowed type and size.

    The first :data:`~storage.filetypes.SNIFF_BYTES` are read to sniff the type
    and then put back in front of the rest, so ``stream`` need not be seekable.
    ``allowed`` holds MIME types (usually from
    :func:`~storage.filetypes.allowed_types`; aliases are normalised); ``None``
    allows any type. The file name plays no part. When this raises, nothing is
    stored, and ``stream`` has been partly consumed.

    :raise ValueError: ``key`` is invalid.
    :raise WrongType: the sniffed type is not in ``allowed``.
    :raise TooLarge: the content is longer than ``max_size`` bytes.
    :raise ObjectExists: an object is already stored under ``key``.
    """
    validate_key(key)
    if max_size is not None and max_size < 0:
        raise ValueError("max_size must not be negative")
    head = read_head(stream, SNIFF_BYTES)
    content_type = sniff(head)
    if allowed is not None:
        permitted = {normalise_type(mime) for mime in allowed}
        if content_type not in permitted:
            raise WrongType(content_type, permitted)
    if max_size is not None and len(head) > max_size:
        raise TooLarge(max_size)
    return store.put(key, prefixed(head, stream), max_size=max_size)
