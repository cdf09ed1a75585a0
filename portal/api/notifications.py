"""In-portal messages to the caller's organisation."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from portal.api.common import actor, parse_id, signed_in
from portal.api.serializers import notification_json
from portal.applications.notifications import NotificationService
from portal.core.extensions import db

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@signed_in
def list_notifications() -> Response:
    """Newest first; ``?unread=1`` for the unread ones only."""
    unread_only = request.args.get("unread") in {"1", "true"}
    items = NotificationService(db.session).for_actor(actor(), unread_only=unread_only)
    return jsonify({"items": [notification_json(n) for n in items]})


@bp.post("/notifications/<notification_id>/read")
@signed_in
def mark_read(notification_id: str) -> Response:
    notification = NotificationService(db.session).mark_read(actor(), parse_id(notification_id))
    return jsonify(notification_json(notification))
