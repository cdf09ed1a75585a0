"""Process definitions: versioned packages (BPMN, forms, manifest), stored once by hash.

A definition version is the BPMN document plus a snapshot of every form its
tasks use and the package's manifest, so an application pinned to a version
keeps its forms, texts and certificate types too. The packages of the process
folders (``portal/processes/<key>/``) are published at start-up; data-only
packages (``processes/<key>/``) and new versions are published by
administrators (the admin page, the API, ``flask processes publish DIR``).
Publishing identical content again returns the existing version.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import Session

from forms import FormDefinition, FormSchemaError, load_builtin_forms, load_form_files, parse_form
from portal.accounts.models import Role
from portal.applications.manifest import (
    Manifest,
    ManifestInvalid,
    manifest_from_stored,
    parse_manifest,
)
from portal.applications.models import Application, ApplicationStatus, ProcessDefinition
from portal.applications.registry import ProcessRegistry
from portal.core import history
from portal.core.actor import Actor
from portal.core.errors import Invalid
from portal.core.transactions import transaction
from workflows.errors import DefinitionInvalid, Problem
from workflows.model import ProcessModel, compile_process
from workflows.validation import NS, Rules, parse_xml

TASK_STATUSES = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.RETURNED,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.APPROVED,
    }
)
END_STATUSES = frozenset(
    {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.LAPSED}
)
WORKFLOW_ROLES = frozenset(r.value for r in Role if r is not Role.ADMIN)

_MODELS: dict[str, ProcessModel] = {}
_FORMS: dict[tuple[str, str], FormDefinition] = {}
_MANIFESTS: dict[str, Manifest] = {}
DATA_PACKAGES_DIR = Path(__file__).resolve().parents[2] / "processes"
"""Data-only process packages shipped beside the code, published by administrators."""
MANIFEST_FILE = "manifest.json"
BPMN_FILE = "process.bpmn"
FORMS_DIR = "forms"


@dataclass(frozen=True)
class Package:
    """A process package read from a folder: ``process.bpmn``, ``forms/*.json`` and
    ``manifest.json`` (optional)."""

    bpmn: bytes
    forms: dict[str, dict[str, Any]]
    manifest: Any | None


def data_packages(root: Path = DATA_PACKAGES_DIR) -> list[Path]:
    """The folders of ``root`` that hold a process package (a ``process.bpmn``)."""
    return sorted(path.parent for path in root.glob(f"*/{BPMN_FILE}"))


def read_package(directory: Path) -> Package:
    """Read the package in ``directory``.

    :raise DefinitionRejected: a file is missing or cannot be read, with every problem.
    """
    problems: list[Problem] = []
    bpmn = b""
    try:
        bpmn = (directory / BPMN_FILE).read_bytes()
    except OSError as exc:
        problems.append(Problem(f"{directory}: cannot read {BPMN_FILE} ({exc.strerror})"))
    forms: dict[str, dict[str, Any]] = {}
    if (directory / FORMS_DIR).is_dir():
        try:
            forms = load_form_files(directory / FORMS_DIR)
        except FormSchemaError as exc:
            problems.extend(Problem(f"Form {p}") for p in exc.problems)
    manifest = None
    if (directory / MANIFEST_FILE).exists():
        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(f"{MANIFEST_FILE}: cannot read JSON ({exc})"))
    if problems:
        raise DefinitionRejected(problems)
    return Package(bpmn, forms, manifest)


class DefinitionRejected(Invalid):
    """An uploaded definition has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(_part_of(problem), []).append(str(problem))
        super().__init__(errors, "The process definition is invalid.")
        self.problems = problems


def _part_of(problem: Problem) -> str:
    """Which upload a problem is about: ``manifest``, ``forms`` or ``bpmn``."""
    if problem.message.startswith(("manifest", MANIFEST_FILE)):
        return "manifest"
    if problem.message.startswith("Form"):
        return "forms"
    return "bpmn"


_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml\b[^>]*?\bencoding\s*=\s*["'])([^"']*)(["'])""")
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def as_utf8(bpmn: bytes) -> bytes:
    """``bpmn`` as UTF-8, its XML declaration saying so (unchanged if it already is).

    The encoding is the one the document declares (or its byte order mark), as
    an XML parser reads it: GB18030 or UTF-16 files exported by other tools are
    re-encoded, so what is hashed, validated and stored (``bpmn_xml``) is the
    same text. A file that is not XML is returned unchanged for validation to
    report.

    :raise DefinitionRejected: the bytes are not text in the declared encoding.
    """
    try:
        encoding = etree.fromstring(bpmn, parser=_XML_PARSER).getroottree().docinfo.encoding
    except (etree.XMLSyntaxError, ValueError):
        return bpmn
    if (encoding or "utf-8").replace("-", "").replace("_", "").lower() == "utf8":
        return bpmn
    try:
        text = bpmn.decode(encoding).removeprefix("\ufeff")
    except (LookupError, UnicodeDecodeError) as exc:
        raise DefinitionRejected(
            [Problem(f"The BPMN file is not text in the encoding it declares ({encoding}).")]
        ) from exc
    return _DECLARED_ENCODING.sub(r"\1UTF-8\3", text, count=1).encode("utf-8")


class DefinitionService:
    """Publishing and reading process definitions."""

    def __init__(self, session: Session, registry: ProcessRegistry) -> None:
        self.session = session
        self.registry = registry

    def publish(
        self,
        bpmn: bytes,
        uploaded_forms: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        manifest: Any | None = None,
        actor: Actor | None = None,
    ) -> tuple[ProcessDefinition, bool]:
        """Validate and store ``bpmn`` as the next version of its process.

        ``uploaded_forms`` (form key → form-js schema) add to or replace the
        shared built-in forms and those of the process's newest version;
        ``manifest`` is the package's parsed ``manifest.json`` (its ``key`` must
        be the process id; default: the newest version's). So a new version may
        bring only its changed BPMN. Building
        blocks' parameters are checked against the registry and the manifest.
        Returns the definition and whether it is new (False when identical
        content was already published).

        :raise DefinitionRejected: with every problem in the BPMN, the forms and
            the manifest (a BPMN in another encoding than UTF-8, GB18030 or
            UTF-16, is stored re-encoded; one that is not text in the encoding
            it declares is rejected).
        """
        bpmn = as_utf8(bpmn)
        previous = self._previous(bpmn)
        inherited = dict(previous.forms) if previous is not None else {}
        forms, problems = _with_uploaded({**inherited, **(uploaded_forms or {})})
        if manifest is None and previous is not None:
            manifest = previous.manifest
        parsed: Manifest | None = None
        if manifest is not None:
            try:
                parsed = parse_manifest(manifest)
            except ManifestInvalid as exc:
                problems.extend(Problem(p) for p in exc.problems)
        declared = parsed.declared() if parsed else {}
        try:
            model = compile_process(bpmn, self.rules(frozenset(forms), declared))
        except DefinitionInvalid as exc:
            problems.extend(exc.problems)
            model = None
        if model is not None and parsed is not None:
            problems.extend(self._manifest_problems(model, parsed))
        if problems or model is None:
            raise DefinitionRejected(problems)

        snapshot = {key: forms[key] for key in sorted(model.form_keys)}
        content_hash = _content_hash(bpmn, snapshot, manifest)
        existing = self._by_hash(model.key, content_hash)
        if existing is not None:
            return existing, False
        definition = ProcessDefinition(
            key=model.key,
            version=self._next_version(model.key),
            name=model.name,
            content_hash=content_hash,
            bpmn_xml=bpmn.decode("utf-8"),
            forms=snapshot,
            spec=model.spec_json,
            meta=model.meta(),
            manifest=dict(manifest) if manifest is not None else None,
            created_by_id=actor.user_id if actor else None,
        )
        try:
            with transaction(self.session):
                self.session.add(definition)
                self.session.flush()
                history.record(
                    self.session,
                    actor,
                    "definition_published",
                    details={"key": definition.key, "version": definition.version},
                )
        except sa.exc.IntegrityError:
            # Another machine published the same content (or version) at the same moment.
            existing = self._by_hash(model.key, content_hash)
            if existing is None:
                raise
            return existing, False
        return definition, True

    def publish_package(
        self, directory: Path, *, actor: Actor | None = None
    ) -> tuple[ProcessDefinition, bool]:
        """Publish the package in ``directory`` (see :func:`read_package`).

        :raise DefinitionRejected: with every problem found.
        """
        package = read_package(directory)
        return self.publish(package.bpmn, package.forms, manifest=package.manifest, actor=actor)

    def sync_builtin(self) -> list[ProcessDefinition]:
        """Publish the package of every process folder whose content is new.

        :raise DefinitionRejected: a shipped package is invalid (a bug, not user input).
        """
        return [
            definition
            for directory in self.registry.packages
            for definition, created in [self.publish_package(directory)]
            if created
        ]

    def rules(
        self, forms: frozenset[str], declared: Mapping[str, frozenset[str]] | None = None
    ) -> Rules:
        return Rules(
            roles=WORKFLOW_ROLES,
            forms=forms,
            services=self.registry.services.signatures(),
            task_statuses=frozenset(s.value for s in TASK_STATUSES),
            end_statuses=frozenset(s.value for s in END_STATUSES),
            applicant_role=Role.APPLICANT.value,
            submit_checks=frozenset(self.registry.submit_checks),
            task_checks=frozenset(self.registry.task_checks),
            declared=dict(declared or {}),
        )

    def _previous(self, bpmn: bytes) -> ProcessDefinition | None:
        """The newest version of the process ``bpmn`` defines, if it was published."""
        try:
            ids = parse_xml(bpmn).xpath("//bpmn:process[@isExecutable='true']/@id", namespaces=NS)
        except (etree.XMLSyntaxError, ValueError):
            return None  # reported by the validation
        return self.latest(str(ids[0])) if len(ids) == 1 else None

    def _manifest_problems(self, model: ProcessModel, manifest: Manifest) -> list[Problem]:
        """The manifest belongs to this process, and its certificate prefixes are its own."""
        problems = []
        if manifest.key != model.key:
            problems.append(
                Problem(f"manifest key: '{manifest.key}' is not the process id '{model.key}'")
            )
        taken = {kind.prefix: kind.name for kind in self.registry.certificate_types.values()}
        for other in self.latest_all():
            if other.key == model.key:
                continue
            for spec in manifest_of(other).certificates.values():
                taken.setdefault(spec.prefix, spec.name)
        for spec in manifest.certificates.values():
            owner = taken.get(spec.prefix)
            if owner is not None and owner != spec.name:
                problems.append(
                    Problem(
                        f"manifest certificates.{spec.name}.prefix: '{spec.prefix}' is already "
                        f"the prefix of '{owner}'"
                    )
                )
        return problems

    def latest(self, key: str) -> ProcessDefinition | None:
        return self.session.scalar(
            sa.select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )

    def latest_all(self) -> list[ProcessDefinition]:
        """The newest version of every process, ordered by key."""
        newest = (
            sa.select(ProcessDefinition.key, sa.func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        return list(
            self.session.scalars(
                sa.select(ProcessDefinition)
                .join(
                    newest,
                    sa.and_(
                        ProcessDefinition.key == newest.c.key,
                        ProcessDefinition.version == newest.c.v,
                    ),
                )
                .order_by(ProcessDefinition.key)
            )
        )

    def all_versions(self) -> list[ProcessDefinition]:
        return list(
            self.session.scalars(
                sa.select(ProcessDefinition).order_by(
                    ProcessDefinition.key, ProcessDefinition.version
                )
            )
        )

    def declared_public_list(self, key: str) -> tuple[str, str] | None:
        """The (Chinese, English) title of public list ``key`` as the newest version of
        a process declares it, if any does."""
        for definition in self.latest_all():
            title = manifest_of(definition).public_lists.get(key)
            if title is not None:
                return title.zh, title.en
        return None

    def _by_hash(self, key: str, content_hash: str) -> ProcessDefinition | None:
        return self.session.scalar(
            sa.select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.content_hash == content_hash
            )
        )

    def _next_version(self, key: str) -> int:
        current = self.session.scalar(
            sa.select(sa.func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)
        )
        return (current or 0) + 1


def model_of(definition: ProcessDefinition) -> ProcessModel:
    """The compiled model of a stored definition (cached; definitions never change)."""
    model = _MODELS.get(definition.content_hash)
    if model is None:
        model = ProcessModel.from_stored(
            definition.bpmn_xml.encode("utf-8"), definition.meta, definition.spec
        )
        _MODELS[definition.content_hash] = model
    return model


def model_for(
    session: Session, application: Application, content_hash: str | None = None
) -> ProcessModel:
    """The model an application is pinned to.

    When the model is cached only the definition's hash is needed, not the row
    with its BPMN, spec and forms (the scheduler loads many applications): the
    caller may pass it (read with the application), else it is read.
    """
    model = _MODELS.get(content_hash or _content_hash_of(session, application))
    return model if model is not None else model_of(application.definition)


def manifest_for(
    session: Session, application: Application, content_hash: str | None = None
) -> Manifest:
    """The manifest an application is pinned to (see :func:`model_for`)."""
    manifest = _MANIFESTS.get(content_hash or _content_hash_of(session, application))
    return manifest if manifest is not None else manifest_of(application.definition)


def form_for(application: Application, form_key: str, content_hash: str | None) -> FormDefinition:
    """The parsed form ``form_key`` an application is pinned to, without reading its
    definition when ``content_hash`` names a cached one (see :func:`form_of`).

    :raise KeyError: the definition has no such form.
    """
    form = _FORMS.get((content_hash or "", form_key))
    return form if form is not None else form_of(application.definition, form_key)


def _content_hash_of(session: Session, application: Application) -> str:
    """The content hash of the application's definition, from the loaded row if it
    is loaded, else with one statement that reads only the hash."""
    loaded = sa.inspect(application).attrs.definition.loaded_value
    if isinstance(loaded, ProcessDefinition):
        return loaded.content_hash
    return (
        session.scalar(
            sa.select(ProcessDefinition.content_hash).where(
                ProcessDefinition.id == application.definition_id
            )
        )
        or ""
    )


def form_of(definition: ProcessDefinition, form_key: str) -> FormDefinition:
    """The parsed form ``form_key`` as pinned by ``definition`` (cached).

    :raise KeyError: the definition has no such form.
    """
    cache_key = (definition.content_hash, form_key)
    form = _FORMS.get(cache_key)
    if form is None:
        form = parse_form(definition.forms[form_key])
        _FORMS[cache_key] = form
    return form


def _with_uploaded(
    uploaded: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Any], list[Problem]]:
    """The shared built-in forms with the uploaded ones added (or replacing them)."""
    forms = dict(load_builtin_forms())
    problems: list[Problem] = []
    for key, schema in uploaded.items():
        try:
            forms[parse_form(schema).key] = dict(schema)
        except FormSchemaError as exc:
            problems.extend(Problem(f"Form '{key}': {p}") for p in exc.problems)
    return forms, problems


def manifest_of(definition: ProcessDefinition) -> Manifest:
    """The manifest stored with a definition (cached; definitions never change)."""
    manifest = _MANIFESTS.get(definition.content_hash)
    if manifest is None:
        manifest = manifest_from_stored(definition.manifest, definition.key, definition.name)
        _MANIFESTS[definition.content_hash] = manifest
    return manifest


def _content_hash(bpmn: bytes, forms: Mapping[str, Any], manifest: Any | None = None) -> str:
    digest = hashlib.sha256(bpmn)
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    if manifest is not None:
        digest.update(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()
