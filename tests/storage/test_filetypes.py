"""Sniffing real (minimal) files of every accepted type, and the extension table."""

from __future__ import annotations

import random
from collections.abc import Callable

import magic
import pytest

from storage.filetypes import (
    EXTENSION_TYPES,
    SNIFF_BYTES,
    allowed_types,
    normalise_type,
    sniff,
)
from tests.storage import samples

# extension → (a file of that kind, the exact type sniff() gives it)
SAMPLES: dict[str, tuple[Callable[[], bytes], str]] = {
    "pdf": (samples.pdf, "application/pdf"),
    "jpg": (samples.jpeg, "image/jpeg"),
    "jpeg": (samples.jpeg, "image/jpeg"),
    "png": (samples.png, "image/png"),
    "zip": (samples.zip_archive, "application/zip"),
    "tar.gz": (samples.tar_gz, "application/gzip"),
    "tgz": (samples.tar_gz, "application/gzip"),
    "gz": (samples.gzip_file, "application/gzip"),
    "rpm": (samples.rpm, "application/x-rpm"),
    "deb": (samples.deb, "application/vnd.debian.binary-package"),
    "exe": (samples.exe, "application/vnd.microsoft.portable-executable"),
    "msi": (samples.msi, "application/x-msi"),
    "mp4": (samples.mp4, "video/mp4"),
    "flv": (samples.flv, "video/x-flv"),
    "docx": (
        samples.docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "doc": (samples.doc, "application/msword"),
    "xlsx": (samples.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": (samples.xls, "application/vnd.ms-excel"),
    "txt": (samples.text, "text/plain"),
}


def test_every_extension_has_a_sample() -> None:
    assert set(SAMPLES) == set(EXTENSION_TYPES)


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_sample_sniffs_as_its_type(extension: str) -> None:
    build, expected = SAMPLES[extension]

    content_type = sniff(build())

    assert content_type == expected
    assert content_type in EXTENSION_TYPES[extension]


@pytest.mark.parametrize(
    ("extension", "content", "expected"),
    [
        # Writers that put _rels/.rels first defeat libmagic's OOXML test.
        ("docx", samples.docx(rels_first=True), "application/zip"),
        ("xlsx", samples.xlsx(rels_first=True), "application/zip"),
        # A DOS executable without a PE header.
        ("exe", samples.dos_exe(), "application/x-dosexec"),
        # An installer recognised by its creating application rather than its class
        # id: libmagic says application/vnd.ms-msi, folded into application/x-msi.
        ("msi", samples.ole(application="Windows Installer"), "application/x-msi"),
        # A compound file whose directory is beyond the sniffed head.
        (
            "doc",
            samples.ole(stream="WordDocument", directory_sector=20),
            "application/x-ole-storage",
        ),
        (
            "txt",
            b"title,year,studio\nChang An,2023,Light Chaser\nNe Zha,2019,Coloroom\n",
            "text/csv",
        ),
        ("txt", "电影备案\n".encode("gb18030") * 20, "text/plain"),
        ("txt", "电影备案\n".encode("utf-16"), "text/plain"),
    ],
)
def test_variants_real_files_show(extension: str, content: bytes, expected: str) -> None:
    assert sniff(content) == expected
    assert expected in EXTENSION_TYPES[extension]


def test_only_the_head_is_looked_at() -> None:
    # libmagic could name this Word file if it saw all of it; the sniffer sees
    # the head only, as it does for a stream.
    content = samples.ole(stream="WordDocument", directory_sector=20)
    assert len(content) > SNIFF_BYTES

    assert magic.from_buffer(content, mime=True) == "application/msword"
    assert sniff(content) == "application/x-ole-storage"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "application/x-empty"),
        (random.Random(1).randbytes(4096), "application/octet-stream"),  # noqa: S311
        (b"<html><body><script>alert(1)</script></body></html>\n", "text/html"),
    ],
)
def test_other_content(content: bytes, expected: str) -> None:
    assert sniff(content) == expected


def test_html_is_not_text() -> None:
    assert "text/html" not in allowed_types(["txt"])


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("application/x-gzip", "application/gzip"),
        ("application/x-zip-compressed", "application/zip"),
        ("image/jpg", "image/jpeg"),
        ("image/pjpeg", "image/jpeg"),
        ("application/vnd.ms-msi", "application/x-msi"),
        ("application/x-debian-package", "application/vnd.debian.binary-package"),
        ("Application/PDF", "application/pdf"),
        ("application/x-unknown-thing", "application/x-unknown-thing"),
    ],
)
def test_normalise_type(alias: str, canonical: str) -> None:
    assert normalise_type(alias) == canonical


def test_every_listed_type_is_canonical() -> None:
    for types in EXTENSION_TYPES.values():
        assert {normalise_type(mime) for mime in types} == types


def test_allowed_types_unites_the_extensions() -> None:
    assert allowed_types(["pdf", "jpg", "png"]) == {"application/pdf", "image/jpeg", "image/png"}


def test_allowed_types_ignores_dots_and_case() -> None:
    assert allowed_types([".pdf", ".JPG", " Tar.GZ "]) == {
        "application/pdf",
        "image/jpeg",
        "application/gzip",
    }


def test_no_extensions_allow_nothing() -> None:
    assert allowed_types([]) == frozenset()


@pytest.mark.parametrize("extension", ["html", "svg", ".pdf.exe", "", "tar"])
def test_unknown_extension_is_an_error(extension: str) -> None:
    with pytest.raises(ValueError, match="unknown file extension"):
        allowed_types(["pdf", extension])
