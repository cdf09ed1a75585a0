"""Process definitions: versioned BPMN with its forms, stored once by content hash.

A definition version is the BPMN document plus a snapshot of every form its
tasks use, so an application pinned to a version keeps its forms too. The
files in ``workflows/bpmn/`` are published at start-up; administrators publish
new versions through the API. Publishing identical content again returns the
existing version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms import FormDefinition, FormSchemaError, load_builtin_forms, parse_form
from portal.accounts.models import Role
from portal.applications.blocks import SERVICES
from portal.applications.checks import SUBMIT_CHECKS, TASK_CHECKS
from portal.applications.models import Application, ApplicationStatus, ProcessDefinition
from portal.core import history
from portal.core.actor import Actor
from portal.core.errors import Invalid
from workflows import BPMN_DIR
from workflows.errors import DefinitionInvalid, Problem
from workflows.model import ProcessModel, compile_process
from workflows.validation import Rules

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


class DefinitionRejected(Invalid):
    """An uploaded definition has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__({"bpmn": [str(p) for p in problems]}, "The process definition is invalid.")
        self.problems = problems


class DefinitionService:
    """Publishing and reading process definitions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def publish(
        self,
        bpmn: bytes,
        uploaded_forms: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        actor: Actor | None = None,
    ) -> tuple[ProcessDefinition, bool]:
        """Validate and store ``bpmn`` as the next version of its process.

        ``uploaded_forms`` (form key → form-js schema) add to or replace the
        built-in forms for this version. Returns the definition and whether it
        is new (False when identical content was already published).

        :raise DefinitionRejected: with every problem in the BPMN and the forms.
        """
        forms = dict(load_builtin_forms())
        problems: list[Problem] = []
        for key, schema in (uploaded_forms or {}).items():
            try:
                forms[parse_form(schema).key] = dict(schema)
            except FormSchemaError as exc:
                problems.extend(Problem(f"Form '{key}': {p}") for p in exc.problems)
        try:
            model = compile_process(bpmn, self.rules(frozenset(forms)))
        except DefinitionInvalid as exc:
            problems.extend(exc.problems)
        if problems:
            raise DefinitionRejected(problems)

        snapshot = {key: forms[key] for key in sorted(model.form_keys)}
        content_hash = _content_hash(bpmn, snapshot)
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
            created_by_id=actor.user_id if actor else None,
        )
        self.session.add(definition)
        try:
            self.session.flush()
        except sa.exc.IntegrityError:
            # Another machine published the same content (or version) at the same moment.
            self.session.rollback()
            existing = self._by_hash(model.key, content_hash)
            if existing is None:
                raise
            return existing, False
        history.record(
            self.session,
            actor,
            "definition_published",
            details={"key": definition.key, "version": definition.version},
        )
        self.session.commit()
        return definition, True

    def sync_builtin(self, directory: Path = BPMN_DIR) -> list[ProcessDefinition]:
        """Publish every ``*.bpmn`` file of ``directory`` whose content is new.

        :raise DefinitionRejected: a shipped file is invalid (a bug, not user input).
        """
        return [
            definition
            for path in sorted(directory.glob("*.bpmn"))
            for definition, created in [self.publish(path.read_bytes())]
            if created
        ]

    def rules(self, forms: frozenset[str]) -> Rules:
        return Rules(
            roles=WORKFLOW_ROLES,
            forms=forms,
            services=SERVICES.names(),
            task_statuses=frozenset(s.value for s in TASK_STATUSES),
            end_statuses=frozenset(s.value for s in END_STATUSES),
            applicant_role=Role.APPLICANT.value,
            submit_checks=frozenset(SUBMIT_CHECKS),
            task_checks=frozenset(TASK_CHECKS),
        )

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


def model_for(session: Session, application: Application) -> ProcessModel:
    """The model an application is pinned to.

    When the model is cached only the definition's hash is read, not the row
    with its BPMN, spec and forms (the scheduler loads many applications).
    """
    content_hash = session.scalar(
        sa.select(ProcessDefinition.content_hash).where(
            ProcessDefinition.id == application.definition_id
        )
    )
    model = _MODELS.get(content_hash or "")
    return model if model is not None else model_of(application.definition)


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


def _content_hash(bpmn: bytes, forms: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(bpmn)
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()
