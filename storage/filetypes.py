"""Judging a file's type by its content, and which types each file extension may hold.

The names below are what libmagic 5.44 (Debian bookworm's ``libmagic1``) returns
for real files, folded to one canonical name per type by :func:`normalise_type`.
Some types cannot be told apart from the first :data:`SNIFF_BYTES` alone:

- OOXML (docx, xlsx) is recognised only when the zip's first entries are
  ``[Content_Types].xml`` and the ``word/`` or ``xl/`` parts; other writers'
  files sniff as plain ``application/zip``.
- OLE compound files (doc, xls, msi) are named by their directory, which in a
  real file usually lies beyond the first 8 KiB; then libmagic can only say
  ``application/x-ole-storage``. So a doc, an xls and an msi are
  interchangeable at this level.
- gzip says nothing of what it compresses: tar.gz and gz are the same type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import magic

SNIFF_BYTES = 8192
"""How many leading bytes :func:`sniff` needs; every signature above fits in them."""

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ZIP = "application/zip"
GZIP = "application/gzip"
RPM = "application/x-rpm"
DEB = "application/vnd.debian.binary-package"
PE_EXECUTABLE = "application/vnd.microsoft.portable-executable"
DOS_EXECUTABLE = "application/x-dosexec"
OLE_STORAGE = "application/x-ole-storage"
MSI = "application/x-msi"
MSWORD = "application/msword"
MSEXCEL = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MP4 = "video/mp4"
FLV = "video/x-flv"
TEXT = "text/plain"
CSV = "text/csv"
EMPTY = "application/x-empty"

_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "application/x-pdf": PDF,
        "image/jpg": JPEG,
        "image/pjpeg": JPEG,
        "application/x-zip": ZIP,
        "application/x-zip-compressed": ZIP,
        "application/x-gzip": GZIP,
        "application/x-redhat-package-manager": RPM,
        "application/x-debian-package": DEB,
        "application/x-msdownload": PE_EXECUTABLE,
        "application/x-ms-dos-executable": DOS_EXECUTABLE,
        "application/vnd.ms-msi": MSI,
        "application/x-msword": MSWORD,
        "application/x-msexcel": MSEXCEL,
        "application/x-excel": MSEXCEL,
        "inode/x-empty": EMPTY,
    }
)

EXTENSION_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "pdf": frozenset({PDF}),
        "jpg": frozenset({JPEG}),
        "jpeg": frozenset({JPEG}),
        "png": frozenset({PNG}),
        "zip": frozenset({ZIP}),
        "tar.gz": frozenset({GZIP}),
        "tgz": frozenset({GZIP}),
        "gz": frozenset({GZIP}),
        "rpm": frozenset({RPM}),
        "deb": frozenset({DEB}),
        "exe": frozenset({PE_EXECUTABLE, DOS_EXECUTABLE}),
        "msi": frozenset({MSI, OLE_STORAGE}),
        "mp4": frozenset({MP4}),
        "flv": frozenset({FLV}),
        "docx": frozenset({DOCX, ZIP}),
        "doc": frozenset({MSWORD, OLE_STORAGE}),
        "xlsx": frozenset({XLSX, ZIP}),
        "xls": frozenset({MSEXCEL, OLE_STORAGE}),
        # Only plain text: HTML, scripts and other text/* dialects are refused on
        # purpose, since a browser may act on them when the file is served back.
        "txt": frozenset({TEXT, CSV}),
    }
)
"""Lower-case extension (without the dot) → the MIME types its content may sniff as."""


def normalise_type(mime: str) -> str:
    """Return the canonical name of a MIME type (lower case, aliases folded).

    Unknown types are returned lower-cased and otherwise unchanged.
    """
    mime = mime.strip().lower()
    return _ALIASES.get(mime, mime)


def sniff(head: bytes) -> str:
    """Return the normalised MIME type of content whose first bytes are ``head``.

    Pass at least the first :data:`SNIFF_BYTES` bytes (or the whole content if it
    is shorter); only the first :data:`SNIFF_BYTES` are looked at. Empty content
    is ``application/x-empty``; content libmagic does not recognise is
    ``application/octet-stream``.
    """
    return normalise_type(magic.from_buffer(bytes(head[:SNIFF_BYTES]), mime=True))


def allowed_types(extensions: Iterable[str]) -> frozenset[str]:
    """Return the MIME types allowed for files with any of ``extensions``.

    Extensions may carry a leading dot and any case: ``("pdf", ".JPG", "tar.gz")``.
    No extensions give the empty set, which allows nothing.

    :raise ValueError: an extension is not in :data:`EXTENSION_TYPES`.
    """
    allowed: set[str] = set()
    for extension in extensions:
        name = extension.strip().lower().removeprefix(".")
        try:
            allowed |= EXTENSION_TYPES[name]
        except KeyError:
            known = ", ".join(sorted(EXTENSION_TYPES))
            raise ValueError(f"unknown file extension {extension!r}; known: {known}") from None
    return frozenset(allowed)
