"""Large uploads in pieces (the tus protocol's server side, without HTTP).

An upload is announced with its length, slot and file name; the slot's checks
that need no content (the actor may upload, the application is editable, the
length is within the slot's limit) run then, so a file too large is refused
before a byte is stored. The pieces accumulate in :class:`storage.partial.PartialUploads`,
never in memory. When the last byte arrives, the file is streamed through the
same path as a single-request upload (:meth:`DocumentService.upload_to_application`:
type judged by content, size limit, hashes, a new version of the slot) and the
partial upload is deleted whether it was accepted or refused.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import IO

from sqlalchemy.orm import Session

from portal.applications.registry import Platform
from portal.core.actor import Actor
from portal.core.errors import Conflict, Invalid, NotFound, TooLarge
from portal.core.i18n import N_
from portal.documents.models import Document
from portal.documents.services import DocumentService
from storage import TooLarge as StoreTooLarge
from storage.partial import OffsetMismatch, PartialUpload, PartialUploads, UploadNotFound

OWNER = "user"
APPLICATION = "application"
SLOT = "slot"
FILENAME = "filename"
FILETYPE = "filetype"


class ResumableUploadService:
    """Announce, continue, inspect and cancel the actor's partial uploads."""

    def __init__(self, session: Session, platform: Platform, partials: PartialUploads) -> None:
        self.session = session
        self.platform = platform
        self.partials = partials
        self.documents = DocumentService(session, platform)

    def begin(
        self,
        actor: Actor,
        application_id: uuid.UUID,
        *,
        slot_key: str,
        filename: str,
        declared_type: str | None,
        length: int,
    ) -> PartialUpload:
        """Announce an upload of ``length`` bytes for a slot of the application form.

        Nothing is stored but an empty partial upload owned by ``actor``.

        :raise NotFound: not the actor's application.
        :raise Forbidden: the actor is not the applicant.
        :raise Conflict: the application can no longer be changed.
        :raise Invalid: unknown slot, no file name, or an empty file.
        :raise TooLarge: ``length`` is beyond the slot's size limit.
        """
        slot = self.documents.application_slot(actor, application_id, slot_key)
        if not filename:
            raise Invalid({"file": [N_("Choose a file to upload.")]})
        if length <= 0:
            raise Invalid({"file": [N_("The file is empty.")]})
        if slot.max_size is not None and length > slot.max_size:
            raise TooLarge(N_("The file is larger than this slot allows."))
        metadata = {
            OWNER: str(actor.user_id),
            APPLICATION: str(application_id),
            SLOT: slot.key,
            FILENAME: filename,
        }
        if declared_type:
            metadata[FILETYPE] = declared_type
        return self.partials.create(length, metadata)

    def status(self, actor: Actor, upload_id: str) -> PartialUpload:
        """The actor's partial upload.

        :raise NotFound: unknown, finished, cancelled, or someone else's.
        """
        upload = self._get(upload_id)
        if upload.metadata.get(OWNER) != str(actor.user_id):
            raise NotFound(N_("Upload not found."))
        return upload

    def receive(
        self, actor: Actor, upload_id: str, offset: int, stream: IO[bytes]
    ) -> tuple[PartialUpload, Document | None]:
        """Append a piece at ``offset``; on the last byte, store the file as a document.

        Returns the new state and, once complete, the document. A piece cut off
        midway keeps what arrived and re-raises the reading error.

        :raise NotFound: unknown, finished, cancelled, or someone else's upload,
            or (when complete) the application is no longer the actor's.
        :raise Conflict: ``offset`` is not where the upload stands, or (when
            complete) the application can no longer be changed.
        :raise TooLarge: more bytes than announced.
        :raise Invalid: (when complete) the content is of a type the slot refuses.
        """
        self.status(actor, upload_id)
        try:
            upload = self.partials.append(upload_id, offset, stream)
        except UploadNotFound as exc:
            raise NotFound(N_("Upload not found.")) from exc
        except OffsetMismatch as exc:
            raise Conflict(
                N_("The upload stands at byte %(offset)s; continue from there."),
                offset=exc.expected,
            ) from exc
        except StoreTooLarge as exc:
            raise TooLarge(N_("More bytes arrived than the upload announced.")) from exc
        if not upload.complete:
            return upload, None
        return upload, self._finish(actor, upload)

    def cancel(self, actor: Actor, upload_id: str) -> None:
        """Forget the actor's partial upload and its bytes.

        :raise NotFound: unknown, finished, cancelled, or someone else's.
        """
        self.status(actor, upload_id)
        try:
            self.partials.delete(upload_id)
        except UploadNotFound as exc:
            raise NotFound(N_("Upload not found.")) from exc

    def _finish(self, actor: Actor, upload: PartialUpload) -> Document:
        metadata = upload.metadata
        try:
            with self.partials.open(upload.id) as stream:
                return self.documents.upload_to_application(
                    actor,
                    uuid.UUID(metadata[APPLICATION]),
                    slot_key=metadata[SLOT],
                    filename=metadata[FILENAME],
                    declared_type=metadata.get(FILETYPE),
                    stream=stream,
                )
        finally:
            # A concurrent request may have finished or cancelled it first.
            with contextlib.suppress(UploadNotFound):
                self.partials.delete(upload.id)

    def _get(self, upload_id: str) -> PartialUpload:
        try:
            return self.partials.get(upload_id)
        except UploadNotFound as exc:
            raise NotFound(N_("Upload not found.")) from exc
