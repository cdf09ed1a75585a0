"""Stream plumbing shared by the backends: bounded reads that hash, count and peek."""

from __future__ import annotations

import hashlib
import io
from typing import IO, TYPE_CHECKING, BinaryIO

from storage.filetypes import SNIFF_BYTES
from storage.interfaces import StoredObject, TooLarge

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK_SIZE = 1024 * 1024
"""The most any store asks of a source stream in one read."""


def read_head(stream: IO[bytes], size: int = SNIFF_BYTES) -> bytes:
    """Read up to ``size`` bytes, fewer only if the stream ends first.

    Short reads (pipes, sockets) are retried until ``size`` bytes or end of stream.
    """
    parts: list[bytes] = []
    missing = size
    while missing > 0:
        data = stream.read(missing)
        if not data:
            break
        parts.append(data)
        missing -= len(data)
    return b"".join(parts)


class DigestingReader:
    """Reads a source stream in bounded chunks, hashing and counting every byte.

    Its ``read(size)`` returns at most ``chunk_size`` bytes whatever ``size`` is
    asked, so a consumer that requests a whole multipart part at once (the minio
    SDK does) still pulls the source a chunk at a time. It never reads more than
    ``max_size + 1`` bytes from the source.
    """

    def __init__(
        self, source: IO[bytes], *, max_size: int | None, chunk_size: int = CHUNK_SIZE
    ) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError("max_size must not be negative")
        self._source = source
        self._max_size = max_size
        self._chunk_size = chunk_size
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._size = 0
        self._eof = False
        self._head = b""
        self._head_taken = 0

    @property
    def size(self) -> int:
        """Bytes read from the source so far."""
        return self._size

    def read_head(self, size: int = SNIFF_BYTES) -> bytes:
        """Read the first ``size`` bytes ahead and keep them for :meth:`read`.

        Call it before any :meth:`read`. Returns fewer bytes only if the source
        ends first.

        :raise TooLarge: the source exceeded ``max_size`` within the head.
        """
        if self._size:
            raise RuntimeError("read_head() must come before any other read")
        parts: list[bytes] = []
        while self._size < size and (data := self._pull(size - self._size)):
            parts.append(data)
        self._head = b"".join(parts)
        return self._head

    def read(self, size: int | None = -1) -> bytes:
        """Return the next at most ``min(size, chunk_size)`` bytes; ``b""`` at the end.

        A negative or ``None`` size means one chunk, not the whole stream.

        :raise TooLarge: the source exceeded ``max_size``.
        """
        want = self._chunk_size if size is None or size < 0 else min(size, self._chunk_size)
        if self._head_taken < len(self._head):
            start = self._head_taken
            self._head_taken = min(start + want, len(self._head))
            return self._head[start : self._head_taken]
        return self._pull(want) if want else b""

    def result(self, key: str, content_type: str) -> StoredObject:
        """Describe what was read, once the source has been read to its end."""
        if not self._eof:
            raise RuntimeError("the source has not been read to its end")
        return StoredObject(
            key=key,
            size=self._size,
            sha256=self._sha256.hexdigest(),
            md5=self._md5.hexdigest(),
            content_type=content_type,
        )

    def _pull(self, size: int) -> bytes:
        if self._eof:
            return b""
        if self._max_size is not None:
            # One byte past the limit is enough to know it was exceeded.
            size = min(size, self._max_size - self._size + 1)
        data = self._source.read(size)
        if not data:
            self._eof = True
            return b""
        self._size += len(data)
        self._sha256.update(data)
        self._md5.update(data)
        if self._max_size is not None and self._size > self._max_size:
            raise TooLarge(self._max_size)
        return data


class _PrefixedRaw(io.RawIOBase):
    """Yields ``head`` and then the rest of ``source``, without closing ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._source.read(len(view))
        view[: len(data)] = data
        return len(data)


def prefixed(head: bytes, source: IO[bytes]) -> BinaryIO:
    """Return a stream that yields ``head`` and then whatever ``source`` still holds.

    This puts back bytes already read from a stream that cannot seek. Closing
    the result does not close ``source``.
    """
    return io.BufferedReader(_PrefixedRaw(head, source))
