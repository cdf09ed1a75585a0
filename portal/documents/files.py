"""The HTTP side of documents, shared by pages and API: files in, files out."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Response, request, send_file
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from forms import FormDefinition
from portal.core.actor import Actor
from portal.core.errors import Invalid, TooLarge
from portal.core.extensions import db, processes
from portal.documents.models import Document
from portal.documents.services import DocumentService


def store_chosen_files(
    definition: FormDefinition, store: Callable[[str, FileStorage], object]
) -> dict[str, list[str]]:
    """Store every file chosen on a page for ``definition``'s slots.

    ``store(slot_key, upload)`` stores one file through a service. Returns the
    refusals by slot, translated, so the page can show them next to the inputs.
    """
    refused: dict[str, list[str]] = {}
    for slot in definition.slots:
        for upload in request.files.getlist(slot.key):
            if not upload.filename:
                continue
            try:
                store(slot.key, upload)
            except Invalid as exc:
                refused.setdefault(slot.key, []).extend(
                    gettext(m) for messages in exc.errors.values() for m in messages
                )
            except TooLarge as exc:
                refused.setdefault(slot.key, []).append(gettext(exc.message))
    return refused


def store_task_files(
    actor: Actor, task_id: uuid.UUID, definition: FormDefinition
) -> dict[str, list[str]]:
    """Store every file chosen on a task page for the slots of the task's form.

    Returns the refusals by slot, as :func:`store_chosen_files` does.

    :raise NotFound: unknown task or outside the actor's scope.
    :raise Conflict: the task is completed or claimed by someone else.
    """
    uploads = DocumentService(db.session, processes.platform)
    return store_chosen_files(
        definition,
        lambda slot, upload: uploads.upload_to_task(
            actor,
            task_id,
            slot_key=slot,
            filename=upload.filename or "",
            declared_type=upload.mimetype,
            stream=upload.stream,
        ),
    )


def send_document(service: DocumentService, document: Document) -> Response:
    """The stored bytes as a download (never rendered inline: uploads are untrusted)."""
    return send_file(
        service.open(document),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        max_age=0,
    )
