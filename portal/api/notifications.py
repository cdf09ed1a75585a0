"""In-portal messages to the caller's organisation."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from portal.api.common import actor, page_json, parse_id, signed_in
from portal.api.serializers import notification_json
from portal.applications.notifications import NotificationService
from portal.core.extensions import db
from portal.core.paging import page_request

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@signed_in
def list_notifications() -> Response:
    """A page of the organisation's messages, newest first; ``?unread=1`` for the
    unread ones only; ``?limit=``, ``?cursor=`` (see :mod:`portal.core.paging`)."""
    unread_only = request.args.get("unread") in {"1", "true"}
    asked = page_request()
    page = NotificationService(db.session).for_actor(
        actor(), unread_only=unread_only, cursor=asked.cursor, limit=asked.limit
    )
    return jsonify(page_json([notification_json(n) for n in page.items], page))


@bp.post("/notifications/<notification_id>/read")
@signed_in
def mark_read(notification_id: str) -> Response:
    notification = NotificationService(db.session).mark_read(actor(), parse_id(notification_id))
    return jsonify(notification_json(notification))
