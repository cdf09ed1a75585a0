"""JSON shapes of the API's resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import get_locale

from portal.accounts.models import Organization, User
from portal.applications.definitions import model_of
from portal.applications.models import Application, Notification, ProcessDefinition, Task
from portal.applications.notifications import message_of
from portal.applications.views import ApplicationView
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.documents.models import Document
from portal.issuance.models import Certificate
from portal.issuance.status import TokenState, Verification, certificate_status


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in China time, with its offset."""
    return value.astimezone(CHINA).isoformat() if value is not None else None


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "scope": user.scope,
        "organization_id": user.organization_id,
        "email": user.email,
    }


def organization_json(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "uscc": org.uscc, "org_type": org.org_type}


def process_json(definition: ProcessDefinition) -> dict[str, Any]:
    return {
        "key": definition.key,
        "name": definition.name,
        "name_en": definition.meta["properties"].get("name_en"),
        "version": definition.version,
    }


def task_json(task: Task) -> dict[str, Any]:
    application = task.application
    return {
        "id": str(task.id),
        "application_id": str(task.application_id),
        "application_number": application.number,
        "process": application.process_key,
        "name": task.name,
        "name_en": model_of(application.definition)
        .user_tasks[task.spec_id]
        .properties.get("name_en"),
        "role": task.role,
        "scope": task.scope,
        "form": task.form_key,
        "state": task.state,
        "assignee": task.assignee.username if task.assignee else None,
        "created_at": timestamp(task.created_at),
        "claimed_at": timestamp(task.claimed_at),
        "due_at": timestamp(task.due_at),
        "due_provisional": task.due_provisional,
        "overdue": task.is_overdue(utcnow()),
        "escalated": task.escalated_at is not None,
    }


def notification_json(notification: Notification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "message": message_of(notification.params, str(get_locale() or "zh_CN"))
        or notification.kind,
        "application_id": str(notification.application_id) if notification.application_id else None,
        "created_at": timestamp(notification.created_at),
        "read": notification.read_at is not None,
    }


def document_json(document: Document) -> dict[str, Any]:
    return {
        "id": str(document.id),
        "slot": document.slot,
        "version": document.version,
        "filename": document.filename,
        "size": document.size,
        "sha256": document.sha256,
        "content_type": document.content_type,
        "declared_type": document.declared_type,
        "task_id": str(document.task_id) if document.task_id else None,
        "uploaded_at": timestamp(document.uploaded_at),
        "uploaded_by": document.uploaded_by.display_name,
    }


def history_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": timestamp(event.at),
        "actor": event.actor_name,
        "action": event.action,
        "task": event.task_name,
        "decision": event.decision,
        "comment": event.comment,
        "details": event.details,
    }


def certificate_summary_json(certificate: Certificate) -> dict[str, Any]:
    """A certificate in an application's list: number, type and live status."""
    return {
        "number": certificate.number,
        "type": certificate.cert_type,
        "status": certificate_status(certificate),
    }


def certificate_json(verification: Verification, *, token_given: bool) -> dict[str, Any]:
    """The public view of a certificate (``GET /certificates/{number}``): nothing private."""
    certificate = verification.certificate
    body: dict[str, Any] = {
        "number": certificate.number,
        "type": certificate.cert_type,
        "title": certificate.title,
        "status": verification.status,
        "subject": certificate.subject,
        "holder": certificate.organization.name if certificate.organization else None,
        "issuer": certificate.issuer,
        "issued_at": timestamp(certificate.issued_at),
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "details": certificate.details,
        "superseded_by": (
            certificate.superseded_by.number if certificate.superseded_by is not None else None
        ),
        "superseded_at": timestamp(certificate.superseded_at),
        "revoked_at": timestamp(certificate.revoked_at),
        "revocation_reason": certificate.revocation_reason,
    }
    if certificate.pem is not None:
        body["x509"] = {"serial": certificate.serial, "fingerprint": certificate.fingerprint}
    if token_given:
        body["token"] = {"authentic": verification.token is TokenState.AUTHENTIC}
    return body


def application_json(view: ApplicationView) -> dict[str, Any]:
    """``GET /api/v1/applications/{id}``: the application as :mod:`portal.applications.views`
    reads it."""
    application = view.application
    return {
        "id": str(application.id),
        "number": application.number,
        "process": application.process_key,
        "version": application.definition.version,
        "status": application.status,
        "organization": organization_json(application.organization),
        "data": application.data,
        "result": application.result,
        "documents": [document_json(d) for d in view.documents],
        "tasks": [task_json(t) for t in view.open_tasks],
        "history": [history_json(e) for e in view.history],
        "reviews": [
            {
                "task": review.task_name,
                "role": review.role,
                "decision": review.decision,
                "comment": review.comment,
                "actor": review.actor,
                "at": timestamp(review.at),
            }
            for review in view.reviews
        ],
        "certificates": [certificate_summary_json(c) for c, _status in view.certificates],
        "created_at": timestamp(application.created_at),
        "submitted_at": timestamp(application.submitted_at),
        "updated_at": timestamp(application.updated_at),
    }


def application_summary_json(application: Application) -> dict[str, Any]:
    return {
        "id": str(application.id),
        "number": application.number,
        "process": application.process_key,
        "version": application.definition.version,
        "status": application.status,
        "organization": application.organization.name,
        "created_at": timestamp(application.created_at),
        "submitted_at": timestamp(application.submitted_at),
        "updated_at": timestamp(application.updated_at),
    }
