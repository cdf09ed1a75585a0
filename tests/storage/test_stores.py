"""The document-store contract, run against the local folder and against S3 alike."""

from __future__ import annotations

import hashlib
import io
import os
import threading

import pytest

from storage import DocumentStore, ObjectExists, ObjectNotFound, TooLarge
from storage.streams import CHUNK_SIZE
from tests.storage import samples
from tests.storage.backends import everything_stored
from tests.storage.streams import MIB, GeneratedStream, read_all

KEY = "documents/2026/11/0123456789abcdef0123456789abcdef"


def test_put_reports_size_digests_and_sniffed_type(store: DocumentStore) -> None:
    data = samples.pdf() + b"%% padding\n" * 1000

    stored = store.put(KEY, io.BytesIO(data))

    assert stored.key == KEY
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert stored.content_type == "application/pdf"


def test_stored_bytes_read_back_unchanged(store: DocumentStore) -> None:
    data = samples.png() + bytes(range(256)) * 40
    store.put(KEY, io.BytesIO(data))

    assert store.exists(KEY)
    assert store.stat(KEY) == len(data)
    assert read_all(store.open(KEY)) == data


def test_type_comes_from_content_not_key(store: DocumentStore) -> None:
    stored = store.put("uploads/poster.pdf", io.BytesIO(samples.png()))

    assert stored.content_type == "image/png"


def test_empty_object(store: DocumentStore) -> None:
    stored = store.put(KEY, io.BytesIO(b""))

    assert (stored.size, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert stored.content_type == "application/x-empty"
    assert store.stat(KEY) == 0
    assert read_all(store.open(KEY)) == b""


def test_existing_key_is_refused_and_original_kept(store: DocumentStore) -> None:
    store.put(KEY, io.BytesIO(b"first version"))

    with pytest.raises(ObjectExists) as raised:
        store.put(KEY, io.BytesIO(b"a correction"))

    assert raised.value.key == KEY
    assert read_all(store.open(KEY)) == b"first version"
    assert everything_stored(store) == [KEY]


def test_correction_goes_under_a_new_key(store: DocumentStore) -> None:
    store.put(KEY, io.BytesIO(b"first version"))
    store.put(f"{KEY}-v2", io.BytesIO(b"a correction"))

    assert read_all(store.open(KEY)) == b"first version"
    assert read_all(store.open(f"{KEY}-v2")) == b"a correction"


@pytest.mark.parametrize(
    ("limit", "size"), [(0, 1), (100, 101), (100, 5000), (CHUNK_SIZE, 3 * MIB)]
)
def test_too_large_leaves_nothing(store: DocumentStore, limit: int, size: int) -> None:
    source = GeneratedStream(size)

    with pytest.raises(TooLarge) as raised:
        store.put(KEY, source, max_size=limit)

    assert raised.value.limit == limit
    assert source.position == limit + 1, "reading stops at the first byte past the limit"
    assert not store.exists(KEY)
    assert everything_stored(store) == []


@pytest.mark.parametrize("size", [0, 100, CHUNK_SIZE])
def test_exactly_max_size_is_accepted(store: DocumentStore, size: int) -> None:
    stored = store.put(KEY, GeneratedStream(size), max_size=size)

    assert stored.size == store.stat(KEY) == size


@pytest.mark.slow
def test_too_large_after_a_full_part_leaves_nothing(store: DocumentStore) -> None:
    # Past the S3 part size, so a multipart upload has begun when the limit is hit.
    with pytest.raises(TooLarge):
        store.put(KEY, GeneratedStream(13 * MIB), max_size=12 * MIB)

    assert not store.exists(KEY)
    assert everything_stored(store) == []


@pytest.mark.slow
def test_large_upload_streams_in_bounded_reads(store: DocumentStore) -> None:
    source = GeneratedStream(25 * MIB + 12345)

    stored = store.put(KEY, source, max_size=30 * MIB)

    assert source.largest_read <= CHUNK_SIZE
    assert stored.size == source.size == store.stat(KEY)
    assert stored.sha256 == source.sha256.hexdigest()
    assert stored.md5 == source.md5.hexdigest()
    assert stored.content_type == "application/octet-stream"
    digest = hashlib.sha256()
    with store.open(KEY) as stream:
        while chunk := stream.read(MIB):
            digest.update(chunk)
    assert digest.hexdigest() == stored.sha256
    assert everything_stored(store) == [KEY]


def test_non_seekable_pipe(store: DocumentStore) -> None:
    data = samples.jpeg() + os.urandom(300_000)  # more than a pipe buffer holds
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with open(write_fd, "wb") as pipe:
            for start in range(0, len(data), 7000):  # uneven, short writes
                pipe.write(data[start : start + 7000])
                pipe.flush()

    feeder = threading.Thread(target=feed)
    feeder.start()
    with open(read_fd, "rb", buffering=0) as pipe:
        assert not pipe.seekable()
        stored = store.put(KEY, pipe)
    feeder.join()

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "image/jpeg"
    assert read_all(store.open(KEY)) == data


def test_missing_object(store: DocumentStore) -> None:
    store.put("documents/present", io.BytesIO(b"x"))

    assert not store.exists(KEY)
    with pytest.raises(ObjectNotFound) as raised:
        store.open(KEY)
    assert raised.value.key == KEY
    with pytest.raises(ObjectNotFound):
        store.stat(KEY)
    # A "folder" that holds objects is not an object.
    assert not store.exists("documents")
    with pytest.raises(ObjectNotFound):
        store.open("documents")


BAD_KEYS = [
    "",
    "/documents/a",
    "documents/a/",
    "documents//a",
    "..",
    "documents/../../etc/passwd",
    "documents/./a",
    ".staging/a",
    "documents/.incoming",
    "documents/a b",
    "documents\\a",
    "documents/文件.pdf",
    "documents/a\x00",
    "documents/a?b",
    "a" * 256,
    "/".join(["abcdefgh"] * 114),  # 1025 characters
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused_everywhere(store: DocumentStore, key: str) -> None:
    source = io.BytesIO(b"content")

    with pytest.raises(ValueError, match="key"):
        store.put(key, source)
    assert source.tell() == 0, "the key is checked before the stream is read"
    with pytest.raises(ValueError, match="key"):
        store.open(key)
    with pytest.raises(ValueError, match="key"):
        store.exists(key)
    with pytest.raises(ValueError, match="key"):
        store.stat(key)
    assert everything_stored(store) == []


@pytest.mark.parametrize(
    "key", ["a", "A-Z_0.9", "documents/2026/11/report.v2.pdf", "/".join(["abcdefgh"] * 113)]
)
def test_valid_keys_work(store: DocumentStore, key: str) -> None:
    store.put(key, io.BytesIO(b"content"))

    assert read_all(store.open(key)) == b"content"


class _BrokenSource(GeneratedStream):
    """A client that disconnects after ``fail_at`` bytes."""

    def __init__(self, size: int, fail_at: int) -> None:
        super().__init__(size)
        self.fail_at = fail_at

    def read(self, size: int | None = -1) -> bytes:
        if self.position >= self.fail_at:
            raise ConnectionResetError("the client went away")
        return super().read(size)


@pytest.mark.parametrize("fail_at", [100_000, pytest.param(11 * MIB, marks=pytest.mark.slow)])
def test_failing_source_leaves_nothing(store: DocumentStore, fail_at: int) -> None:
    with pytest.raises(ConnectionResetError):
        store.put(KEY, _BrokenSource(20 * MIB, fail_at))

    assert not store.exists(KEY)
    assert everything_stored(store) == []
