"""The inbox: tasks, claiming, completing, task documents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from portal.api.applications import full_json
from portal.api.common import (
    actor,
    json_body,
    object_field,
    page_json,
    parse_id,
    signed_in,
    upload_fields,
)
from portal.api.serializers import document_json, task_json
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.extensions import db, processes
from portal.core.paging import page_request
from portal.documents.services import DocumentService

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@signed_in
def list_tasks() -> Response:
    """A page of the open tasks the caller can act on, soonest due first (none
    last), then newest; ``?limit=``, ``?cursor=`` (see :mod:`portal.core.paging`)."""
    asked = page_request()
    page = TaskService(db.session, processes.platform).inbox_page(
        actor(), cursor=asked.cursor, limit=asked.limit
    )
    return jsonify(page_json([task_json(t) for t in page.items], page))


@bp.get("/escalations")
@signed_in
def list_escalations() -> Response:
    """A page of the overdue, escalated tasks the caller follows (national
    reviewers: all provinces), oldest deadline first."""
    asked = page_request()
    page = TaskService(db.session, processes.platform).escalated(
        actor(), cursor=asked.cursor, limit=asked.limit
    )
    return jsonify(page_json([task_json(t) for t in page.items], page))


@bp.get("/tasks/<task_id>")
@signed_in
def get_task(task_id: str) -> Response:
    tasks = TaskService(db.session, processes.platform)
    task = tasks.get(actor(), parse_id(task_id))
    applications = ApplicationService(db.session, processes.platform)
    application = task.application
    return jsonify(
        {
            **task_json(task),
            "form": tasks.form(task).describe(),
            "application": full_json(applications, application).get_json(),
        }
    )


@bp.post("/tasks/<task_id>/claim")
@signed_in
def claim_task(task_id: str) -> Response:
    return jsonify(
        task_json(TaskService(db.session, processes.platform).claim(actor(), parse_id(task_id)))
    )


@bp.post("/tasks/<task_id>/complete")
@signed_in
def complete_task(task_id: str) -> Response:
    data = object_field(json_body(), "data")
    application = TaskService(db.session, processes.platform).complete(
        actor(), parse_id(task_id), data
    )
    return full_json(ApplicationService(db.session, processes.platform), application)


@bp.post("/tasks/<task_id>/documents")
@signed_in
def upload_task_document(task_id: str) -> tuple[Response, int]:
    slot, upload = upload_fields()
    document = DocumentService(db.session, processes.platform).upload_to_task(
        actor(),
        parse_id(task_id),
        slot_key=slot,
        filename=upload.filename or "",
        declared_type=upload.mimetype,
        stream=upload.stream,
    )
    return jsonify(document_json(document)), 201
