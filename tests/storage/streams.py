"""Source streams for the tests: generated on demand, non-seekable, and watching their reader."""

from __future__ import annotations

import hashlib
import io
import random
import sys
from collections.abc import Callable
from typing import BinaryIO

MIB = 1024 * 1024

# A prime length, so the pattern never lines up with chunk or part sizes and a
# chunk dropped or sent twice changes the digest.
_PATTERN = random.Random(20261122).randbytes(65_521)  # noqa: S311 (test data, not a secret)


class GeneratedStream(io.RawIOBase):
    """``size`` pseudo-random bytes made as they are read, never held whole.

    Not seekable. Records the largest single read request (``sys.maxsize`` for
    "read everything") and keeps the digests of what it has produced.
    ``on_read`` is called with the position before each read.
    """

    def __init__(
        self, size: int, *, head: bytes = b"", on_read: Callable[[int], None] | None = None
    ) -> None:
        super().__init__()
        self.size = size
        self.position = 0
        self.largest_read = 0
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self._head = head
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            self.largest_read = sys.maxsize
            size = self.size - self.position
        self.largest_read = max(self.largest_read, size)
        if self._on_read is not None:
            self._on_read(self.position)
        count = min(size, self.size - self.position)
        data = self._bytes_at(self.position, count)
        self.position += count
        self.sha256.update(data)
        self.md5.update(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _bytes_at(self, start: int, count: int) -> bytes:
        parts = []
        end = start + count
        while start < end:
            if start < len(self._head):
                piece = self._head[start:end]
            else:
                offset = (start - len(self._head)) % len(_PATTERN)
                piece = _PATTERN[offset : offset + end - start]
            parts.append(piece)
            start += len(piece)
        return b"".join(parts)


def read_all(stream: BinaryIO) -> bytes:
    """Read a store's stream to the end in 64 KiB steps and close it."""
    chunks = []
    with stream:
        while chunk := stream.read(65536):
            chunks.append(chunk)
    return b"".join(chunks)
