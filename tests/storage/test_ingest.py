"""Accepting uploads: the type is judged by content, the size is capped, nothing half-kept."""

from __future__ import annotations

import hashlib
import io

import pytest

from storage import DocumentStore, TooLarge, WrongType, allowed_types, ingest
from tests.storage import samples
from tests.storage.backends import everything_stored
from tests.storage.streams import GeneratedStream, read_all

KEY = "documents/2026/11/0123456789abcdef0123456789abcdef"


def test_accepted_upload_is_stored_whole(store: DocumentStore) -> None:
    data = samples.png() + bytes(20_000)  # longer than the sniffed head
    source = GeneratedStream(len(data), head=data)  # not seekable

    stored = ingest(store, KEY, source, allowed=allowed_types(["png", "jpg"]), max_size=None)

    assert stored.content_type == "image/png"
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert read_all(store.open(KEY)) == data


def test_png_named_pdf_is_refused(store: DocumentStore) -> None:
    with pytest.raises(WrongType) as raised:
        ingest(
            store,
            "uploads/poster.pdf",
            io.BytesIO(samples.png()),
            allowed=allowed_types(["pdf"]),
            max_size=None,
        )

    assert raised.value.content_type == "image/png"
    assert raised.value.allowed == ("application/pdf",)
    assert everything_stored(store) == []


def test_text_renamed_pdf_is_refused(store: DocumentStore) -> None:
    with pytest.raises(WrongType) as raised:
        ingest(
            store,
            "uploads/licence.pdf",
            io.BytesIO(b"This is not a PDF, whatever its name says.\n"),
            allowed=allowed_types(["pdf", "jpg"]),
            max_size=None,
        )

    assert raised.value.content_type == "text/plain"
    assert raised.value.allowed == ("application/pdf", "image/jpeg")
    assert everything_stored(store) == []


def test_none_allows_any_type(store: DocumentStore) -> None:
    stored = ingest(store, KEY, io.BytesIO(samples.flv()), allowed=None, max_size=None)

    assert stored.content_type == "video/x-flv"


def test_aliases_in_allowed_are_understood(store: DocumentStore) -> None:
    stored = ingest(store, KEY, io.BytesIO(samples.jpeg()), allowed={"image/jpg"}, max_size=None)

    assert stored.content_type == "image/jpeg"


@pytest.mark.parametrize("size", [5000, 3 * 1024 * 1024])
def test_too_large_is_refused(store: DocumentStore, size: int) -> None:
    data = samples.pdf()
    source = GeneratedStream(size, head=data)

    with pytest.raises(TooLarge):
        ingest(store, KEY, source, allowed=allowed_types(["pdf"]), max_size=4000)

    assert everything_stored(store) == []


def test_wrong_type_is_reported_before_size(store: DocumentStore) -> None:
    with pytest.raises(WrongType):
        ingest(
            store,
            KEY,
            GeneratedStream(10_000, head=samples.exe()),
            allowed=allowed_types(["pdf"]),
            max_size=10,
        )


def test_invalid_key_is_refused_before_reading(store: DocumentStore) -> None:
    source = io.BytesIO(samples.pdf())

    with pytest.raises(ValueError, match="key"):
        ingest(store, "../escape.pdf", source, allowed=None, max_size=None)

    assert source.tell() == 0
