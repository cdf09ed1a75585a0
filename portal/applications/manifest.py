"""A process package's ``manifest.json``: what the process declares besides its BPMN.

A manifest names the process in Chinese and English and declares what its
service tasks may produce: labels of its results, the texts of the messages it
sends, the certificate types it issues, its quotas and its public lists.
It is stored with the definition version, like the forms, so an application
keeps the texts and types of the version it was started on. The format is
described in ``docs/processes.md``; :func:`parse_manifest` checks it and
reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SECTIONS = ("results", "messages", "certificates", "quotas", "public_lists", "actions")
"""The sections whose names BPMN building-block parameters may refer to."""
REVOKED_BY = ("national", "province", "city")
_PREFIX_RE = re.compile(r"^[A-Z]{4}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
MAX_TEXT = 4000
CERTIFICATE_KEYS = frozenset(
    {"title", "prefix", "valid_years", "issuer", "revoked_by", "subject", "fields"}
)
MAX_VALID_YEARS = 50


class ManifestInvalid(ValueError):
    """The manifest cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English; Chinese is what the documents print."""

    zh: str
    en: str

    def get(self, locale: str | None) -> str:
        """The text in ``locale`` ("en..." gives English, anything else Chinese)."""
        return self.en if (locale or "").startswith("en") else self.zh

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class CertificateField:
    key: str
    label: Text


@dataclass(frozen=True)
class CertificateSpec:
    """A certificate type the process issues (the ``issue_certificate`` block)."""

    name: str
    title: Text
    prefix: str
    valid_years: int | None
    issuer: str | None
    revoked_by: str
    subject: str | None
    fields: tuple[CertificateField, ...]


@dataclass(frozen=True)
class QuotaSpec:
    """A quota: at most ``limits[bucket]`` approvals per bucket (per campaign)."""

    name: str
    label: Text
    limits: Mapping[str, int]


@dataclass(frozen=True)
class Manifest:
    key: str
    name: Text
    description: Text | None = None
    results: Mapping[str, Text] = field(default_factory=dict)
    actions: Mapping[str, Text] = field(default_factory=dict)
    messages: Mapping[str, Text] = field(default_factory=dict)
    certificates: Mapping[str, CertificateSpec] = field(default_factory=dict)
    quotas: Mapping[str, QuotaSpec] = field(default_factory=dict)
    public_lists: Mapping[str, Text] = field(default_factory=dict)

    def declared(self) -> dict[str, frozenset[str]]:
        """The names each section declares (for checking BPMN parameters)."""
        return {
            "results": frozenset(self.results),
            "actions": frozenset(self.actions),
            "messages": frozenset(self.messages),
            "certificates": frozenset(self.certificates),
            "quotas": frozenset(self.quotas),
            "public_lists": frozenset(self.public_lists),
        }


def empty_manifest(key: str, name: str) -> Manifest:
    """The manifest of a process published without one: its BPMN name, nothing declared."""
    return Manifest(key=key, name=Text(name, name))


def parse_manifest(raw: Any) -> Manifest:
    """Check a manifest (parsed JSON) and return it.

    :raise ManifestInvalid: with every problem, each naming where it is.
    """
    reader = _Reader()
    manifest = reader.manifest(raw)
    if reader.problems or manifest is None:
        raise ManifestInvalid(reader.problems or ["The manifest must be a JSON object."])
    return manifest


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"manifest {where}: {message}")

    def manifest(self, raw: Any) -> Manifest | None:
        if not isinstance(raw, Mapping):
            return None
        known = {"key", "name", "description", *SECTIONS}
        for unknown in sorted(set(raw) - known):
            self.problem(unknown, "unknown entry")
        key = raw.get("key")
        if not isinstance(key, str) or not _NAME_RE.fullmatch(key):
            self.problem("key", "must be the process key (lower case letters, digits, _)")
            key = ""
        name = self.text(raw.get("name"), "name")
        description = (
            self.text(raw.get("description"), "description") if "description" in raw else None
        )
        return Manifest(
            key=key,
            name=name or Text("", ""),
            description=description,
            results=self.texts(raw.get("results"), "results"),
            actions=self.texts(raw.get("actions"), "actions"),
            messages=self.texts(raw.get("messages"), "messages"),
            certificates=self.certificates(raw.get("certificates")),
            quotas=self.quotas(raw.get("quotas")),
            public_lists=self.texts(raw.get("public_lists"), "public_lists", key="title"),
        )

    def text(self, raw: Any, where: str) -> Text | None:
        if not isinstance(raw, Mapping) or set(raw) != {"zh", "en"}:
            self.problem(where, 'must be {"zh": "...", "en": "..."}')
            return None
        zh, en = raw["zh"], raw["en"]
        if not all(isinstance(v, str) and v.strip() and len(v) <= MAX_TEXT for v in (zh, en)):
            self.problem(where, f"texts must be non-empty strings of at most {MAX_TEXT} characters")
            return None
        for language, value in (("zh", zh), ("en", en)):
            try:
                value % {m: "" for m in _PLACEHOLDER_RE.findall(value)}
            except (ValueError, TypeError, KeyError):
                self.problem(where, f"{language}: only %(name)s placeholders may be used")
        return Text(zh, en)

    def section(self, raw: Any, where: str) -> Mapping[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problem(where, "must be an object")
            return {}
        for name in raw:
            if not _NAME_RE.fullmatch(name):
                self.problem(f"{where}.{name}", "names are lower case letters, digits, _ and -")
        return raw

    def texts(self, raw: Any, where: str, *, key: str | None = None) -> dict[str, Text]:
        found: dict[str, Text] = {}
        for name, entry in self.section(raw, where).items():
            place, value = f"{where}.{name}", entry
            if key is not None:
                value = entry.get(key) if isinstance(entry, Mapping) else None
                place = f"{place}.{key}"
            text = self.text(value, place)
            if text is not None:
                found[name] = text
        return found

    def certificates(self, raw: Any) -> dict[str, CertificateSpec]:
        found = {}
        for name, spec in self.section(raw, "certificates").items():
            where = f"certificates.{name}"
            if not isinstance(spec, Mapping):
                self.problem(where, "must be an object")
                continue
            allowed = {
                "title",
                "prefix",
                "valid_years",
                "issuer",
                "revoked_by",
                "subject",
                "fields",
            }
            for unknown in sorted(set(spec) - allowed):
                self.problem(f"{where}.{unknown}", "unknown entry")
            title = self.text(spec.get("title"), f"{where}.title")
            prefix = spec.get("prefix")
            if not isinstance(prefix, str) or not _PREFIX_RE.fullmatch(prefix):
                self.problem(f"{where}.prefix", "must be four upper-case letters")
            years = spec.get("valid_years")
            if years is not None and (type(years) is not int or not 1 <= years <= MAX_VALID_YEARS):
                self.problem(f"{where}.valid_years", f"must be 1 to {MAX_VALID_YEARS} or null")
            revoked_by = spec.get("revoked_by", "national")
            if revoked_by not in REVOKED_BY:
                self.problem(f"{where}.revoked_by", f"must be one of {', '.join(REVOKED_BY)}")
            issuer, subject = spec.get("issuer"), spec.get("subject")
            for part, value in (("issuer", issuer), ("subject", subject)):
                if value is not None and (not isinstance(value, str) or not value.strip()):
                    self.problem(f"{where}.{part}", "must be a non-empty string")
            fields = self.certificate_fields(spec.get("fields", []), f"{where}.fields")
            if title is not None and isinstance(prefix, str):
                found[name] = CertificateSpec(
                    name=name,
                    title=title,
                    prefix=prefix,
                    valid_years=years if type(years) is int else None,
                    issuer=issuer if isinstance(issuer, str) else None,
                    revoked_by=str(revoked_by),
                    subject=subject if isinstance(subject, str) else None,
                    fields=fields,
                )
        return found

    def certificate_fields(self, raw: Any, where: str) -> tuple[CertificateField, ...]:
        if not isinstance(raw, list):
            self.problem(where, "must be a list")
            return ()
        fields = []
        for index, item in enumerate(raw):
            key = item.get("key") if isinstance(item, Mapping) else None
            label = self.text(item.get("label") if isinstance(item, Mapping) else None, where)
            if not isinstance(key, str) or not key:
                self.problem(f"{where}[{index}]", 'needs a "key" naming a data field')
            elif label is not None:
                fields.append(CertificateField(key, label))
        return tuple(fields)

    def quotas(self, raw: Any) -> dict[str, QuotaSpec]:
        found = {}
        for name, spec in self.section(raw, "quotas").items():
            where = f"quotas.{name}"
            if not isinstance(spec, Mapping):
                self.problem(where, "must be an object")
                continue
            label = self.text(spec.get("label"), f"{where}.label")
            limits = spec.get("limits")
            if (
                not isinstance(limits, Mapping)
                or not limits
                or not all(
                    isinstance(k, str) and type(v) is int and v >= 0 for k, v in limits.items()
                )
            ):
                self.problem(f"{where}.limits", "must map each bucket to a whole number ≥ 0")
                continue
            if label is not None:
                found[name] = QuotaSpec(name, label, dict(limits))
        return found


def manifest_from_stored(raw: Mapping[str, Any] | None, key: str, name: str) -> Manifest:
    """The manifest stored with a definition (checked when it was published)."""
    return parse_manifest(raw) if raw else empty_manifest(key, name)
