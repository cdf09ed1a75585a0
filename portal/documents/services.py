"""Uploaded materials: checked by content, stored immutably, shown to those allowed.

A file is streamed into the document store before the database row that
records it is written. If the transaction then fails, the stored object is
left without a row: harmless, never visible, and cheaper than holding a row
lock for the length of an upload.
"""

from __future__ import annotations

import uuid
from typing import IO, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms import DocumentSlot, FormDefinition
from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationStatus, Task, TaskState
from portal.applications.registry import Platform
from portal.applications.runtime import Runtime
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core import history
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.core.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from portal.core.i18n import N_
from portal.core.transactions import transactional
from portal.documents.models import Document
from storage import StoredObject, WrongType, allowed_types, ingest, new_key
from storage import TooLarge as StoreTooLarge
from storage.filetypes import EMPTY

MAX_FILENAME = 255


class DocumentService:
    def __init__(self, session: Session, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.store = platform.issuing.store
        self.runtime = Runtime(session, platform)

    @transactional
    def upload_to_application(
        self,
        actor: Actor,
        application_id: uuid.UUID,
        *,
        slot_key: str,
        filename: str,
        declared_type: str | None,
        stream: IO[bytes],
    ) -> Document:
        """Store a file in a slot of the application form (a new version if it has one).

        :raise NotFound: not the actor's application.
        :raise Forbidden: the actor is not the applicant.
        :raise Conflict: the application can no longer be changed.
        :raise Invalid: unknown slot, no file, or a file type the slot refuses
            (judged by content).
        :raise TooLarge: over the slot's size limit.
        """
        applications = ApplicationService(self.session, self.platform)
        application = applications.get(actor, application_id)
        if actor.role is not Role.APPLICANT:
            raise Forbidden(N_("Only the applicant can add documents to an application."))
        _require_editable(application)
        slot = _slot(applications.application_form(application), slot_key)
        stored = self._store(slot, filename, stream)
        application = self.runtime.lock(application_id)
        _require_editable(application)
        return self._record(
            actor,
            application=application,
            task=None,
            slot=slot,
            filename=filename,
            declared_type=declared_type,
            stored=stored,
        )

    def application_slot(
        self, actor: Actor, application_id: uuid.UUID, slot_key: str
    ) -> DocumentSlot:
        """The slot ``slot_key`` of the application form, if ``actor`` may upload to it now.

        The checks :meth:`upload_to_application` makes before it reads a byte, for
        an upload that arrives later in pieces.

        :raise NotFound: not the actor's application.
        :raise Forbidden: the actor is not the applicant.
        :raise Conflict: the application can no longer be changed.
        :raise Invalid: unknown slot.
        """
        applications = ApplicationService(self.session, self.platform)
        application = applications.get(actor, application_id)
        if actor.role is not Role.APPLICANT:
            raise Forbidden(N_("Only the applicant can add documents to an application."))
        _require_editable(application)
        return _slot(applications.application_form(application), slot_key)

    @transactional
    def upload_to_task(
        self,
        actor: Actor,
        task_id: uuid.UUID,
        *,
        slot_key: str,
        filename: str,
        declared_type: str | None,
        stream: IO[bytes],
    ) -> Document:
        """Store a file in a slot of a task's form (e.g. a test report).

        :raise NotFound: unknown task or outside the actor's scope.
        :raise Conflict: the task is completed or claimed by someone else.
        :raise Invalid: unknown slot, no file, or a refused file type.
        :raise TooLarge: over the slot's size limit.
        """
        tasks = TaskService(self.session, self.platform)
        task = tasks.get(actor, task_id)
        _require_open(task, actor)
        slot = _slot(tasks.form(task), slot_key)
        stored = self._store(slot, filename, stream)
        application = self.runtime.lock(task.application_id)
        self.session.refresh(task)
        _require_open(task, actor)
        return self._record(
            actor,
            application=application,
            task=task,
            slot=slot,
            filename=filename,
            declared_type=declared_type,
            stored=stored,
        )

    def get(self, actor: Actor, document_id: uuid.UUID) -> Document:
        """A document whose application ``actor`` may see.

        :raise NotFound: unknown, or not the actor's to see.
        """
        document = self.session.get(Document, document_id)
        if document is None:
            raise NotFound(N_("Document not found."))
        ApplicationService(self.session, self.platform).get(actor, document.application_id)
        return document

    def open(self, document: Document) -> BinaryIO:
        """The stored bytes, as a stream the caller closes."""
        return self.store.open(document.storage_key)

    def _store(self, slot: DocumentSlot, filename: str, stream: IO[bytes]) -> StoredObject:
        if not filename:
            raise Invalid({"file": [N_("Choose a file to upload.")]})
        try:
            stored = ingest(
                self.store,
                new_key("documents"),
                stream,
                allowed=allowed_types(slot.accept),
                max_size=slot.max_size,
            )
        except WrongType as exc:
            if exc.content_type == EMPTY:  # zero bytes: no slot accepts them
                raise Invalid({"file": [N_("The file is empty.")]}) from exc
            raise Invalid({"file": [N_("This file type is not accepted here.")]}) from exc
        except StoreTooLarge as exc:
            raise TooLarge(N_("The file is larger than this slot allows.")) from exc
        return stored

    def _record(
        self,
        actor: Actor,
        *,
        application: Application,
        task: Task | None,
        slot: DocumentSlot,
        filename: str,
        declared_type: str | None,
        stored: StoredObject,
    ) -> Document:
        version = (
            self.session.scalar(
                sa.select(sa.func.max(Document.version)).where(
                    Document.application_id == application.id, Document.slot == slot.key
                )
            )
            or 0
        ) + 1
        document = Document(
            id=uuid.uuid4(),
            application_id=application.id,
            task_id=task.id if task else None,
            slot=slot.key,
            version=version,
            filename=_safe_filename(filename),
            size=stored.size,
            sha256=stored.sha256,
            md5=stored.md5,
            declared_type=declared_type,
            content_type=stored.content_type,
            storage_key=stored.key,
            uploaded_by_id=actor.user_id,
        )
        self.session.add(document)
        # Touch the application so a concurrent submit and upload cannot interleave.
        application.updated_at = utcnow()
        history.record(
            self.session,
            actor,
            "document_uploaded",
            application_id=application.id,
            task_id=task.id if task else None,
            task_name=task.name if task else None,
            details={
                "slot": slot.key,
                "version": version,
                "filename": document.filename,
                "sha256": stored.sha256,
                "size": stored.size,
            },
        )
        return document


def _slot(form: FormDefinition, key: str) -> DocumentSlot:
    for slot in form.slots:
        if slot.key == key:
            return slot
    raise Invalid({"slot": [N_("This form has no such document slot.")]})


def _require_editable(application: Application) -> None:
    if not ApplicationStatus(application.status).is_editable:
        raise Conflict(N_("This application can no longer be changed."))


def _require_open(task: Task, actor: Actor) -> None:
    if task.state != TaskState.OPEN:
        raise Conflict(N_("This task has already been completed."))
    if task.assignee_id not in (None, actor.user_id):
        raise Conflict(N_("Someone else has claimed this task."))


def _safe_filename(filename: str) -> str:
    """The base name only, without path parts or control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[:MAX_FILENAME]
