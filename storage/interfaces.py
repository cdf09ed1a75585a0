"""The document-store contract shared by every backend.

A document store keeps immutable byte objects under caller-chosen keys. The
caller (the portal) records the returned :class:`StoredObject` in its database;
a corrected document is stored under a new key, never over the old one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, BinaryIO


@dataclass(frozen=True)
class StoredObject:
    """What a store reports about an object it has just written.

    ``sha256`` and ``md5`` are lowercase hex digests of the exact bytes stored;
    ``content_type`` is the MIME type sniffed from the content and normalised by
    :func:`storage.filetypes.sniff`, never derived from a file name.
    """

    key: str
    size: int
    sha256: str
    md5: str
    content_type: str


class StorageError(Exception):
    """Base class of every error the document store raises on purpose."""


class ObjectExists(StorageError):
    """The key is already taken; stored objects are never overwritten."""

    def __init__(self, key: str) -> None:
        super().__init__(f"an object is already stored under {key!r}")
        self.key = key


class ObjectNotFound(StorageError):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object is stored under {key!r}")
        self.key = key


class TooLarge(StorageError):
    """The upload exceeded ``limit`` bytes; nothing of it was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit} bytes")
        self.limit = limit


class WrongType(StorageError):
    """The content's sniffed type is not among the allowed ones; nothing was kept."""

    def __init__(self, content_type: str, allowed: Iterable[str]) -> None:
        self.content_type = content_type
        self.allowed: tuple[str, ...] = tuple(sorted(allowed))
        super().__init__(
            f"the content is {content_type}, expected one of: {', '.join(self.allowed) or 'none'}"
        )


class DocumentStore(ABC):
    """An immutable, write-once store of byte objects addressed by key.

    Keys are relative POSIX-like paths; see :func:`storage.keys.validate_key` for
    the exact grammar. Every method raises :class:`ValueError` for an invalid key.
    Failures of the backend itself (disk full, network down) propagate as the
    backend's own exceptions (``OSError``, ``minio.error.MinioException``,
    ``urllib3`` errors).
    """

    @abstractmethod
    def put(self, key: str, stream: IO[bytes], *, max_size: int | None = None) -> StoredObject:
        """Store everything ``stream`` yields under ``key`` and describe what was stored.

        The stream is read in bounded chunks (never whole) while being hashed and
        counted; it need not be seekable and is not closed. The object becomes
        visible under ``key`` only once it is complete.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectExists: an object is already stored under ``key``.
        :raise TooLarge: more than ``max_size`` bytes arrived; nothing is kept.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Return a readable stream of the object's bytes; the caller must close it.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``.

        :raise ValueError: ``key`` is invalid.
        """

    @abstractmethod
    def stat(self, key: str) -> int:
        """Return the size in bytes of the object stored under ``key``.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """
