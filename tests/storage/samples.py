"""Minimal but genuine files of each accepted type, built in memory for the tests.

Each builder produces what the real format starts with (and, where the standard
library can write the format, a complete file), so the sniffer is tested on the
bytes a real file would show it.
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import uuid
import zipfile
import zlib

# --- images and documents -------------------------------------------------------


def pdf() -> bytes:
    body = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    body += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png() -> bytes:
    """A 1x1 grey PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _png_chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A JFIF start-of-image with its APP0 segment, then end-of-image."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def text() -> bytes:
    return "影片名称：长安三万里\n出品单位：某某电影制片厂\n".encode()


# --- archives and packages ------------------------------------------------------


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "说明\n")
    return buffer.getvalue()


def gzip_file() -> bytes:
    return gzip.compress(b"plain text inside gzip\n" * 10, mtime=0)


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tar_gz() -> bytes:
    return _tar({"package/setup.sh": b"#!/bin/sh\necho installed\n"})


def _ar_member(name: bytes, data: bytes) -> bytes:
    header = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name, 0, 0, 0, b"100644", len(data))
    return header + data + (b"\n" if len(data) % 2 else b"")


def deb() -> bytes:
    """A Debian package: an ar archive of debian-binary, control and data."""
    control = _tar({"./control": b"Package: demo\nVersion: 1.0\nArchitecture: all\n"})
    data = _tar({"./usr/share/doc/demo/README": b"demo\n"})
    return (
        b"!<arch>\n"
        + _ar_member(b"debian-binary", b"2.0\n")
        + _ar_member(b"control.tar.gz", control)
        + _ar_member(b"data.tar.gz", data)
    )


def rpm() -> bytes:
    """The 96-byte RPM lead of a binary package (what file(1) reads), then padding."""
    lead = b"\xed\xab\xee\xdb" + struct.pack(">BBhh", 3, 0, 0, 1)
    lead += b"demo-1.0-1".ljust(66, b"\0") + struct.pack(">hh", 1, 5) + b"\0" * 16
    return lead + b"\0" * 160


def exe() -> bytes:
    """A PE32+ (x86-64, GUI) header behind its MZ stub."""
    stub = bytearray(0x80)
    stub[:2] = b"MZ"
    stub[0x3C:0x40] = struct.pack("<I", 0x80)
    coff = struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, 0xF0, 0x22)
    optional = struct.pack("<HBB", 0x20B, 14, 0).ljust(0xF0, b"\0")
    optional = optional[:68] + struct.pack("<H", 2) + optional[70:]  # subsystem: GUI
    return bytes(stub) + b"PE\0\0" + coff + optional


def dos_exe() -> bytes:
    """An MZ executable without a PE header."""
    return b"MZ" + struct.pack("<HHHH", 0x90, 3, 0, 4) + b"\0" * 120


# --- OLE compound files (doc, xls, msi) -----------------------------------------

_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512
_SUMMARY_FMTID = uuid.UUID("F29F85E0-4FF9-1068-AB91-08002B27B3D9").bytes_le
MSI_CLSID = uuid.UUID("000C1084-0000-0000-C000-000000000046").bytes_le


def _directory_entry(
    name: str, kind: int, *, child: int = _NO_STREAM, clsid: bytes = b"", start: int = _END
) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    size = 4096 if start != _END else 0
    return (
        raw.ljust(64, b"\0")
        + struct.pack("<HBB", len(raw), kind, 1)
        + struct.pack("<III", _NO_STREAM, _NO_STREAM, child)
        + clsid.ljust(16, b"\0")
        + b"\0" * 20
        + struct.pack("<IQ", start, size)
    )


def _summary_information(application: str) -> bytes:
    """A property set holding just PIDSI_APPNAME, padded to a full-size stream."""
    name = (application.encode() + b"\0").ljust((len(application) + 4) // 4 * 4, b"\0")
    value = struct.pack("<II", 0x1E, len(application) + 1) + name
    section = struct.pack("<IIII", 16 + len(value), 1, 0x12, 16) + value
    header = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + b"\0" * 16 + struct.pack("<I", 1)
    return (header + _SUMMARY_FMTID + struct.pack("<I", 48) + section).ljust(4096, b"\0")


def ole(
    *,
    stream: str | None = None,
    application: str | None = None,
    clsid: bytes = b"",
    directory_sector: int = 1,
) -> bytes:
    """A version-3 compound file with one FAT sector and one directory sector.

    ``stream`` adds an empty stream of that name (libmagic reads "WordDocument"
    or "Workbook" as Word or Excel); ``application`` adds a SummaryInformation
    stream naming the creating application; ``clsid`` is the root's class id.
    ``directory_sector`` > 1 pushes the directory further into the file, as in
    real documents, with zero sectors in between.
    """
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    fat = [_FAT_SECTOR] + [_FREE] * (directory_sector - 1) + [_END]
    entries = [_directory_entry("Root Entry", 5, child=1, clsid=clsid)]
    summary = b""
    if application is not None:
        first = directory_sector + 1
        fat += [*range(first + 1, first + 8), _END]  # a 4096-byte stream in 8 sectors
        entries.append(_directory_entry("\x05SummaryInformation", 2, start=first))
        summary = _summary_information(application)
    elif stream is not None:
        entries.append(_directory_entry(stream, 2))
    else:
        entries[0] = _directory_entry("Root Entry", 5, clsid=clsid)
    fat_sector = struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat)))
    gap = b"\0" * _SECTOR * (directory_sector - 1)
    return header + fat_sector + gap + b"".join(entries).ljust(_SECTOR, b"\0") + summary


def doc() -> bytes:
    return ole(stream="WordDocument")


def xls() -> bytes:
    return ole(stream="Workbook")


def msi() -> bytes:
    return ole(application="Windows Installer XML Toolset", clsid=MSI_CLSID)


# --- Office Open XML ------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
)


def _ooxml(part: str, *, rels_first: bool = False) -> bytes:
    order = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS)]
    if rels_first:
        order.reverse()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in [*order, (part, '<?xml version="1.0"?><document/>')]:
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(*, rels_first: bool = False) -> bytes:
    return _ooxml("word/document.xml", rels_first=rels_first)


def xlsx(*, rels_first: bool = False) -> bytes:
    return _ooxml("xl/workbook.xml", rels_first=rels_first)


# --- video -----------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4() -> bytes:
    """An ISO base media file: ftyp, an empty moov and an empty mdat."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    return ftyp + _box(b"moov", _box(b"mvhd", b"\0" * 100)) + _box(b"mdat", b"")


def flv() -> bytes:
    """An FLV header announcing audio and video, then PreviousTagSize0."""
    return b"FLV\x01\x05" + struct.pack(">I", 9) + struct.pack(">I", 0)
