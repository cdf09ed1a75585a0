"""The document store on a local folder: the default for development and single machines."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, BinaryIO

from storage.filetypes import sniff
from storage.interfaces import (
    DocumentStore,
    ObjectExists,
    ObjectNotFound,
    StorageError,
    StoredObject,
)
from storage.keys import validate_key
from storage.streams import CHUNK_SIZE, DigestingReader

INCOMING_DIR = ".incoming"
"""Where uploads are written before publication; no key can name it (keys never start
with a dot), and anything left in it is debris of a crashed upload."""

READ_ONLY = 0o444


class LocalDocumentStore(DocumentStore):
    """Objects as read-only files under ``root``, one file per key.

    An upload is written to a temporary file in ``root/.incoming`` (the same
    filesystem), flushed to disk, made read-only and published with a hard link,
    which is atomic and refuses an existing name: a reader never sees half a
    file and two writers of one key cannot both win, even across processes. The
    filesystem must support hard links (any local POSIX filesystem does).
    Nothing is created until the first :meth:`put`.
    """

    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).absolute()

    @property
    def root(self) -> Path:
        """The folder holding the objects."""
        return self._root

    def put(self, key: str, stream: IO[bytes], *, max_size: int | None = None) -> StoredObject:
        """Store ``stream`` under ``key``; see :meth:`DocumentStore.put`.

        :raise ValueError: ``key`` is invalid or leads out of the root through a symlink.
        :raise ObjectExists: an object is already stored under ``key``.
        :raise TooLarge: more than ``max_size`` bytes arrived; nothing is kept.
        :raise StorageError: a leading part of ``key`` is an object (``a`` when
            storing ``a/b``), which a folder-based store cannot hold.
        """
        target = self._path(key)
        if target.exists():
            raise ObjectExists(key)
        reader = DigestingReader(stream, max_size=max_size)
        content_type = sniff(reader.read_head())
        incoming = self._root / INCOMING_DIR
        incoming.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=incoming, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as temp:
                while chunk := reader.read(CHUNK_SIZE):
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_name, READ_ONLY)
            self._make_parents(key, target)
            try:
                os.link(temp_name, target)
            except FileExistsError:
                raise ObjectExists(key) from None
            _fsync_directory(target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
        return reader.result(key, content_type)

    def open(self, key: str) -> BinaryIO:
        """Open the object for reading; see :meth:`DocumentStore.open`.

        :raise ValueError: ``key`` is invalid or leads out of the root through a symlink.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``.

        :raise ValueError: ``key`` is invalid or leads out of the root through a symlink.
        """
        return self._path(key).is_file()

    def stat(self, key: str) -> int:
        """Return the object's size in bytes.

        :raise ValueError: ``key`` is invalid or leads out of the root through a symlink.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path.stat().st_size

    def _make_parents(self, key: str, target: Path) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StorageError(
                f"cannot store {key!r}: a leading part of it is an object, not a folder"
            ) from None
        self._check_inside_root(target)

    def _path(self, key: str) -> Path:
        path = self._root / validate_key(key)
        self._check_inside_root(path)
        return path

    def _check_inside_root(self, path: Path) -> None:
        # The key grammar rules out "..", but a symlink inside the root could still
        # lead elsewhere.
        if not path.resolve().is_relative_to(self._root.resolve()):
            raise ValueError(f"object path {path} leads out of the store's root")


def _fsync_directory(path: Path) -> None:
    """Make a new directory entry durable, so a published object survives a crash."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
