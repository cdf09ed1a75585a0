"""The kinds of certificate the portal issues: number prefix, template, who revokes.

Certificate numbers are ASCII, so they read the same in a URL, a QR code and
a telephone call: the type's four-letter prefix, the year of issue (China
time) and a six-digit sequence of that type and year, e.g. ``BAZS2026000001``.
Each (prefix, year) pair is its own counter in the ``counters`` table
(``certificate:BAZS:2026``), incremented under its row lock, so concurrent
issuing on several machines never hands out a number twice and a number is
never reused.

The platform's own types (:data:`PLATFORM_TYPES`):

| type | prefix | certificate | PDF template | revoked by |
| --- | --- | --- | --- | --- |
| ``digital_certificate`` | SZZS | 数字证书 (UsbKey, X.509) | none | see below |
| ``installation_acceptance`` | AZYS | 安装验收确认书 | notice | the holder's province |
| ``notice`` | TZGG | any other notice or letter | notice | national reviewers |

A cinema's digital certificate is revoked by its province, an online ticket
agent's by national reviewers. Administrators may revoke any certificate.

A process declares the types it issues in its manifest (printed with the
``notice`` template); a type with a template of its own is registered by its
process folder (:meth:`portal.applications.registry.ProcessRegistry.add_certificate_type`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class RevokedBy(StrEnum):
    """Which reviewers, besides administrators, may revoke a certificate of a type."""

    NATIONAL = "national"
    """National reviewers (电影资金办)."""
    PROVINCE = "province"
    """Provincial reviewers of the province of the certificate's division code."""
    CITY = "city"
    """City reviewers of the city of the certificate's division code (a city's own
    programme, such as a cultural-consumption pilot)."""
    HOLDER_KIND = "holder_kind"
    """A cinema's certificate: its province; any other holder's: national reviewers."""


@dataclass(frozen=True)
class CertificateType:
    """What the portal knows about one type of certificate."""

    name: str
    prefix: str
    title: str
    """The default title, printed and shown (Chinese: certificates are Chinese documents)."""
    template: str | None
    """The PDF template (``<template>.html``); None: no PDF (X.509 only)."""
    revoked_by: RevokedBy
    default_issuer: str | None = None
    """The authority named on the certificate when the caller names none."""
    templates: Path | None = None
    """The folder of the type's own template, when it is not one of ``certificates/``."""


PLATFORM_TYPES: dict[str, CertificateType] = {
    kind.name: kind
    for kind in (
        CertificateType("digital_certificate", "SZZS", "数字证书", None, RevokedBy.HOLDER_KIND),
        CertificateType(
            "installation_acceptance", "AZYS", "安装验收确认书", "notice", RevokedBy.PROVINCE
        ),
        CertificateType("notice", "TZGG", "通知书", "notice", RevokedBy.NATIONAL),
    )
}

SEQUENCE_DIGITS = 6
SEQUENCE_LIMIT = 10**SEQUENCE_DIGITS - 1


def format_number(prefix: str, year: int, sequence: int) -> str:
    """``BAZS2026000001``: prefix, year, six-digit sequence."""
    return f"{prefix}{year:04d}{sequence:0{SEQUENCE_DIGITS}d}"


def counter_name(prefix: str, year: int) -> str:
    """The name of the counter of ``prefix``'s numbers in ``year``."""
    return f"certificate:{prefix}:{year}"
