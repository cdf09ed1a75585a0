"""Partial uploads: files that arrive in pieces over several requests (the tus protocol).

A lower layer: no Flask, no ``portal``. Each partial upload is two files in one
folder, ``<id>.part`` (the bytes received so far, appended in place) and
``<id>.json`` (its declared length and the caller's metadata, written once).
The offset is the length of the ``.part`` file, so a request cut off in the
middle keeps every byte that reached the disk and the client resumes from there.
Every change holds an exclusive ``flock`` on the ``.part`` file, so two requests
for one upload (two workers, a retry racing a stalled request) cannot interleave.
The folder must be shared by every worker that serves uploads (one machine, or a
shared volume).

A complete upload is not a document yet: the caller streams it through
:func:`storage.ingest` (type by content, size limit, hashes) into the document
store, then deletes it here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from storage.interfaces import StorageError, TooLarge
from storage.streams import CHUNK_SIZE

_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class PartialUpload:
    """The state of one partial upload: ``offset`` of ``length`` bytes received."""

    id: str
    length: int
    offset: int
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every declared byte has arrived."""
        return self.offset == self.length


class UploadNotFound(StorageError):
    """No partial upload has this id (never created, finished or cancelled)."""

    def __init__(self, upload_id: str) -> None:
        super().__init__(f"no partial upload {upload_id!r}")
        self.upload_id = upload_id


class OffsetMismatch(StorageError):
    """The client's offset is not where the upload stands; nothing was written."""

    def __init__(self, expected: int, given: int) -> None:
        super().__init__(f"the upload stands at offset {expected}, not {given}")
        self.expected = expected
        self.given = given


class PartialUploads:
    """Partial uploads in the folder ``root`` (created on first use)."""

    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).absolute()

    @property
    def root(self) -> Path:
        """The folder holding the partial uploads."""
        return self._root

    def create(self, length: int, metadata: Mapping[str, str]) -> PartialUpload:
        """Start an empty upload of ``length`` bytes that keeps ``metadata``.

        :raise ValueError: ``length`` is negative.
        """
        if length < 0:
            raise ValueError("length must not be negative")
        self._root.mkdir(parents=True, exist_ok=True)
        upload_id = uuid.uuid4().hex
        state = {"length": length, "metadata": dict(metadata)}
        info = self._info_path(upload_id)
        with open(info.with_suffix(".tmp"), "x", encoding="utf-8") as handle:
            json.dump(state, handle)
        # The .part file appears last: an upload exists once both files do.
        os.replace(info.with_suffix(".tmp"), info)
        self._part_path(upload_id).touch(exist_ok=False)
        return PartialUpload(upload_id, length, 0, dict(metadata))

    def get(self, upload_id: str) -> PartialUpload:
        """The upload's state.

        :raise UploadNotFound: unknown or malformed id.
        """
        length, metadata = self._state(upload_id)
        try:
            offset = self._part_path(upload_id).stat().st_size
        except FileNotFoundError:
            raise UploadNotFound(upload_id) from None
        return PartialUpload(upload_id, length, offset, metadata)

    def append(self, upload_id: str, offset: int, stream: IO[bytes]) -> PartialUpload:
        """Append everything ``stream`` yields at ``offset`` and return the new state.

        The stream is copied in bounded chunks, each written and flushed before the
        next is read: if reading fails midway (a dropped connection), the bytes
        already received stay and the exception propagates; the client asks for
        the offset and resumes.

        :raise UploadNotFound: unknown id.
        :raise OffsetMismatch: ``offset`` is not the upload's current offset.
        :raise TooLarge: the stream holds more bytes than the declared length
            leaves; the upload is put back to where it stood.
        """
        length, metadata = self._state(upload_id)
        with self._locked(upload_id) as part:
            start = part.seek(0, os.SEEK_END)
            if offset != start:
                raise OffsetMismatch(start, offset)
            received = start
            try:
                while chunk := stream.read(CHUNK_SIZE):
                    received += len(chunk)
                    if received > length:
                        part.truncate(start)
                        raise TooLarge(length)
                    part.write(chunk)
                    part.flush()
            finally:
                part.flush()
                os.fsync(part.fileno())
            end = part.tell()
        return PartialUpload(upload_id, length, end, metadata)

    def open(self, upload_id: str) -> BinaryIO:
        """The bytes received so far, as a stream the caller closes.

        :raise UploadNotFound: unknown id.
        """
        self._state(upload_id)
        try:
            return self._part_path(upload_id).open("rb")
        except FileNotFoundError:
            raise UploadNotFound(upload_id) from None

    def delete(self, upload_id: str) -> None:
        """Forget the upload and its bytes.

        :raise UploadNotFound: unknown id.
        """
        self._state(upload_id)
        with self._locked(upload_id):
            with contextlib.suppress(FileNotFoundError):
                self._part_path(upload_id).unlink()
            with contextlib.suppress(FileNotFoundError):
                self._info_path(upload_id).unlink()

    def purge(self, older_than: float) -> int:
        """Delete the uploads nobody has added to for ``older_than`` seconds; how many.

        Abandoned uploads (a closed browser, a client that gave up) otherwise stay.
        """
        if not self._root.exists():
            return 0
        cutoff = time.time() - older_than
        purged = 0
        for info in self._root.glob("*.json"):
            upload_id = info.stem
            part = self._part_path(upload_id)
            try:
                touched = part.stat().st_mtime if part.exists() else info.stat().st_mtime
            except FileNotFoundError:
                continue
            if touched < cutoff:
                with contextlib.suppress(UploadNotFound):
                    self.delete(upload_id)
                    purged += 1
        return purged

    @contextlib.contextmanager
    def _locked(self, upload_id: str) -> Iterator[BinaryIO]:
        try:
            part = self._part_path(upload_id).open("r+b")
        except FileNotFoundError:
            raise UploadNotFound(upload_id) from None
        with part:
            fcntl.flock(part.fileno(), fcntl.LOCK_EX)
            if not self._part_path(upload_id).exists():  # deleted while we waited
                raise UploadNotFound(upload_id)
            yield part

    def _state(self, upload_id: str) -> tuple[int, dict[str, str]]:
        if not _ID.fullmatch(upload_id):
            raise UploadNotFound(upload_id)
        try:
            with self._info_path(upload_id).open(encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            raise UploadNotFound(upload_id) from None
        return int(state["length"]), {str(k): str(v) for k, v in state["metadata"].items()}

    def _part_path(self, upload_id: str) -> Path:
        return self._root / f"{upload_id}.part"

    def _info_path(self, upload_id: str) -> Path:
        return self._root / f"{upload_id}.json"
