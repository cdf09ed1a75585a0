"""Applications: create, save drafts, submit, withdraw, read.

The rules of the application lifecycle (who may do what in which status)
live here, shared by the pages and the API.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Load, Session, contains_eager, load_only, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from forms import FormDefinition, validate_data
from portal.accounts.models import Organization, Role
from portal.applications.access import application_filter, visible_newest_first
from portal.applications.checks import CheckResult, Submission
from portal.applications.definitions import DefinitionService, form_of, model_of
from portal.applications.models import (
    Application,
    ApplicationStatus,
    ProcessDefinition,
    Task,
    TaskState,
)
from portal.applications.registry import Platform
from portal.applications.runtime import Runtime
from portal.core import history, numbering
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal.core.i18n import N_, TranslatedForm
from portal.core.models import AuditEvent
from portal.core.paging import DEFAULT_LIMIT, Page, SortKey, paginate
from portal.core.transactions import transactional
from portal.documents.models import Document

WITHDRAWABLE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)

LISTED_APPLICATION_COLUMNS = (
    Application.id,
    Application.definition_id,
    Application.process_key,
    Application.organization_id,
    Application.number,
    Application.status,
    Application.created_at,
    Application.updated_at,
    Application.submitted_at,
)
"""What lists show of an application (the API's summaries, the dashboard, the
inbox rows): never the process state or the form data, which are large."""

LISTED_DEFINITION_COLUMNS = (
    ProcessDefinition.id,
    ProcessDefinition.key,
    ProcessDefinition.version,
    ProcessDefinition.name,
    ProcessDefinition.meta,
    ProcessDefinition.manifest,
    ProcessDefinition.content_hash,
)
"""What lists read of a process definition: names, version, task metadata and
manifest; not the BPMN, forms or spec (the compiled model is cached by hash)."""


def listed_definition(load: _AbstractLoad) -> _AbstractLoad:
    """``load`` (an option reaching an application's definition) taking only
    :data:`LISTED_DEFINITION_COLUMNS`."""
    return load.load_only(*LISTED_DEFINITION_COLUMNS)


def listed_application(load: _AbstractLoad) -> _AbstractLoad:
    """``load`` (an option reaching an application whose organisation the query
    joins) taking what lists show: :data:`LISTED_APPLICATION_COLUMNS`, the
    organisation's name from the join, and the page's few definitions in one
    more query."""
    return load.options(
        load_only(*LISTED_APPLICATION_COLUMNS),
        contains_eager(Application.organization).load_only(Organization.name),
        listed_definition(selectinload(Application.definition)),
    )


class ApplicationService:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.runtime = Runtime(session, platform)
        self.definitions = DefinitionService(session, platform.registry)

    # Reading -----------------------------------------------------------

    def startable(self, actor: Actor) -> list[ProcessDefinition]:
        """The newest version of every process ``actor`` may start."""
        if actor.role is not Role.APPLICANT:
            return []
        org_type = self._org_type(actor)
        return [d for d in self.definitions.latest_all() if _accepts(d, org_type)]

    def startable_one(self, actor: Actor, key: str) -> ProcessDefinition:
        """The newest version of process ``key`` if ``actor`` may start it.

        :raise NotFound: unknown process, or not one this actor may start.
        """
        for definition in self.startable(actor):
            if definition.key == key:
                return definition
        raise NotFound(N_("Unknown process."))

    def get(self, actor: Actor, application_id: uuid.UUID) -> Application:
        """The application, if ``actor`` may see it.

        :raise NotFound: unknown, or not the actor's to see.
        """
        application = self.session.scalar(
            sa.select(Application).where(
                Application.id == application_id, application_filter(actor)
            )
        )
        if application is None:
            raise NotFound(N_("Application not found."))
        return application

    def list(
        self, actor: Actor, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Application]:
        """A page of the applications ``actor`` may see, newest first.

        Lean: only the columns a list shows (never the process state or the
        form data), the organisation's name in the same query, the few process
        definitions of the page in one more.

        :raise Invalid: ``cursor`` is not one of this list's cursors.
        """
        query, keys = visible_newest_first(
            actor,
            sa.select(Application)
            .join(Application.organization)
            .options(listed_application(Load(Application))),
        )
        order = [SortKey.desc(key) for key in keys]
        return paginate(self.session, query, order, cursor=cursor, limit=limit)

    def history(self, application: Application) -> builtins.list[AuditEvent]:
        return list(
            self.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.application_id == application.id)
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        )

    def documents(self, application: Application) -> builtins.list[Document]:
        """Every stored version of every document, oldest first."""
        return list(
            self.session.scalars(
                sa.select(Document)
                .where(Document.application_id == application.id)
                .order_by(Document.slot, Document.version)
            )
        )

    def open_tasks(self, application: Application) -> builtins.list[Task]:
        return self.runtime.open_task_rows(application)

    def application_form(self, application: Application) -> FormDefinition:
        return form_of(application.definition, model_of(application.definition).start_form)

    # Changing ----------------------------------------------------------

    @transactional
    def create(self, actor: Actor, process_key: str, data: Mapping[str, Any]) -> Application:
        """A new draft application of the newest version of ``process_key``.

        :raise NotFound: the actor may not start this process.
        :raise Invalid: ``data`` has malformed values (drafts may be incomplete).
        """
        definition = self.startable_one(actor, process_key)
        form = form_of(definition, model_of(definition).start_form)
        clean = _clean(form, data, draft=True)
        if actor.organization_id is None:  # startable() admits applicants only
            raise NotFound(N_("Unknown process."))
        application = Application(
            id=uuid.uuid4(),
            definition=definition,
            process_key=definition.key,
            organization_id=actor.organization_id,
            created_by_id=actor.user_id,
            status=ApplicationStatus.DRAFT,
            data=clean,
            result={},
            workflow_state="{}",
        )
        self.session.add(application)
        self.runtime.start(application, actor)
        history.record(self.session, actor, "created", application_id=application.id)
        return application

    @transactional
    def update_data(
        self, actor: Actor, application_id: uuid.UUID, data: Mapping[str, Any]
    ) -> Application:
        """Merge ``data`` into a draft or returned application and save it.

        :raise NotFound: not the actor's application.
        :raise Conflict: no longer editable.
        :raise Invalid: malformed values.
        """
        application = self._editable(actor, application_id)
        self.apply_data(actor, application, data)
        return application

    @transactional
    def submit(self, actor: Actor, application_id: uuid.UUID) -> Application:
        """Submit (or resubmit after a return) a complete application.

        :raise NotFound: not the actor's application.
        :raise Conflict: not in draft or returned.
        :raise Invalid: every missing or invalid field and document, at once.
        """
        application = self._editable(actor, application_id)
        self.apply_submission(actor, application)
        return application

    @transactional
    def withdraw(self, actor: Actor, application_id: uuid.UUID) -> Application:
        """Withdraw an application no reviewer has started on.

        :raise NotFound: not the actor's application.
        :raise Forbidden: the actor is not the applicant.
        :raise Conflict: a reviewer has claimed or decided it, or it is closed.
        """
        self.get(actor, application_id)
        if actor.role is not Role.APPLICANT:
            raise Forbidden(N_("Only the applicant can withdraw an application."))
        application = self.runtime.lock(application_id)
        claimed = any(t.assignee_id for t in self.runtime.open_task_rows(application))
        started = N_("A reviewer has already started on this application.")
        if claimed or application.status == ApplicationStatus.UNDER_REVIEW:
            raise Conflict(started)
        if application.status not in WITHDRAWABLE:
            raise Conflict(
                N_("Only a draft or a submission nobody has started on can be withdrawn.")
            )
        if self._decided(application):
            raise Conflict(started)
        instance = self.runtime.load(application, actor)
        instance.cancel()
        self.runtime.save(application, instance, actor, closing_status=ApplicationStatus.WITHDRAWN)
        history.record(self.session, actor, "withdrawn", application_id=application.id)
        return application

    def _decided(self, application: Application) -> bool:
        """Whether staff completed a task since the latest (re)submission: the
        materials approved and the application gone on to testing, say."""
        submitted_at = self.session.scalar(
            sa.select(sa.func.max(AuditEvent.at)).where(
                AuditEvent.application_id == application.id,
                AuditEvent.action.in_(("submitted", "resubmitted")),
            )
        )
        if submitted_at is None:
            return False
        return (
            self.session.scalar(
                sa.select(Task.id)
                .where(
                    Task.application_id == application.id,
                    Task.role != Role.APPLICANT,
                    Task.state == TaskState.COMPLETED,
                    Task.completed_at >= submitted_at,
                )
                .limit(1)
            )
            is not None
        )

    # Steps that run inside a caller's transaction, on a locked application.

    def apply_data(self, actor: Actor, application: Application, data: Mapping[str, Any]) -> None:
        """Merge ``data`` into the application (draft validation).

        :raise Invalid: malformed values.
        """
        form = self.application_form(application)
        merged = {k: v for k, v in application.data.items() if v is not None} | dict(data)
        application.data = _clean(form, merged, draft=True)
        history.record(
            self.session,
            actor,
            "saved",
            application_id=application.id,
            details={"fields": sorted(data)},
        )

    def apply_submission(self, actor: Actor, application: Application) -> None:
        """Complete the applicant's form task with the application's data.

        :raise Invalid: every missing or invalid field and document, at once.
        :raise Conflict: the process is not waiting for the application form.
        """
        model = model_of(application.definition)
        clean, errors, checked = self._submission_check(application)
        if errors:
            raise Invalid(errors)
        task = next(
            (t for t in self.runtime.open_task_rows(application) if t.form_key == model.start_form),
            None,
        )
        if task is None:
            raise Conflict(N_("This application cannot be submitted now."))
        scope_field = model.properties.get("scope_field", "division_code")
        application.data = clean
        application.division_code = (
            checked.division_code or str(clean.get(scope_field) or "") or None
        )
        resubmission = application.number is not None
        if not resubmission:
            now = utcnow()
            prefix = model.properties.get("number_prefix", application.process_key.upper())
            application.number = numbering.acceptance_number(self.session, prefix, now)
            application.submitted_at = now
        # Recorded before the process advances, so the submission comes before
        # whatever the next steps record.
        history.record(
            self.session,
            actor,
            "resubmitted" if resubmission else "submitted",
            application_id=application.id,
            task_id=task.id,
            task_name=task.name,
            # The data submitted, so that a resubmission can show what changed.
            details={"number": application.number, "data": clean},
        )
        instance = self.runtime.load(application, actor)
        instance.complete(task.id, clean)
        self.runtime.save(application, instance, actor, completed_task=task.id)

    def submission_problems(
        self, actor: Actor, application_id: uuid.UUID
    ) -> dict[str, builtins.list[str]]:
        """What would stop the application, as stored, from being submitted: every
        missing or invalid field and document and the process's own check. Changes
        nothing (a page shows these beside the problems of what was just typed).

        :raise NotFound: not the actor's application.
        """
        application = self.get(actor, application_id)
        return self._submission_check(application)[1]

    # Helpers -----------------------------------------------------------

    def _submission_check(
        self, application: Application
    ) -> tuple[dict[str, Any], dict[str, builtins.list[str]], CheckResult]:
        """The stored data cleaned for submission, every problem, and the process check."""
        form = self.application_form(application)
        model = model_of(application.definition)
        documents = self._slots(application)
        clean, errors = _validated(form, application.data, draft=False, documents=documents)
        checked = self._process_check(
            model.properties.get("submit_check"),
            Submission(
                application,
                {k: v for k, v in clean.items() if k not in errors},
                documents,
            ),
            errors,
        )
        return clean, errors, checked

    def _editable(self, actor: Actor, application_id: uuid.UUID) -> Application:
        self.get(actor, application_id)
        if actor.role is not Role.APPLICANT:
            raise Forbidden(N_("Only the applicant can change an application."))
        application = self.runtime.lock(application_id)
        if not ApplicationStatus(application.status).is_editable:
            raise Conflict(N_("This application can no longer be changed."))
        return application

    def _process_check(
        self, name: str | None, submission: Submission, errors: dict[str, builtins.list[str]]
    ) -> CheckResult:
        """Run the process's own submission check; its problems are added to ``errors``
        (on a field the form already refused, the form's message stands alone)."""
        check = self.platform.registry.submit_checks.get(name or "")
        if check is None:
            return CheckResult()
        result = check(self.session, submission)
        for key, messages in result.errors.items():
            errors.setdefault(key, list(messages))
        return result

    def _slots(self, application: Application) -> frozenset[str]:
        """The slots of the application form that hold at least one document."""
        return frozenset(
            self.session.scalars(
                sa.select(Document.slot).where(
                    Document.application_id == application.id, Document.task_id.is_(None)
                )
            )
        )

    def _org_type(self, actor: Actor) -> str | None:
        org = self.session.get(Organization, actor.organization_id)
        return org.org_type if org else None


def _accepts(definition: ProcessDefinition, org_type: str | None) -> bool:
    """Whether an organisation of ``org_type`` may start this process.

    A process lists the organisation types it serves in its ``org_types``
    property (comma-separated); without it, every applicant may start it.
    """
    allowed = definition.meta["properties"].get("org_types")
    return not allowed or org_type in {t.strip() for t in allowed.split(",")}


def _validated(
    form: FormDefinition,
    data: Mapping[str, Any],
    *,
    draft: bool,
    documents: frozenset[str] | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean data and every problem; documents are checked when ``documents`` is given.

    :raise Invalid: ``data`` is not an object at all.
    """
    if not isinstance(data, Mapping):
        raise Invalid({"data": [N_("Expected an object.")]})
    clean, errors = validate_data(form, data, draft=draft, base=TranslatedForm)
    if documents is not None:
        hidden = form.hidden_keys(clean)
        for slot in form.slots:
            if slot.required and slot.key not in documents and slot.key not in hidden:
                errors.setdefault(slot.key, []).append(N_("This document is required."))
    return clean, errors


def _clean(form: FormDefinition, data: Mapping[str, Any], *, draft: bool) -> dict[str, Any]:
    """Validated data, or :class:`Invalid` with every problem."""
    clean, errors = _validated(form, data, draft=draft)
    if errors:
        raise Invalid(errors)
    return clean
