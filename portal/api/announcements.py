"""Announcements 公示 (no sign-in): what the authorities make known to the public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from portal.api.common import page_json
from portal.api.serializers import timestamp
from portal.core.extensions import db
from portal.core.paging import page_request
from portal.issuance import announcements
from portal.issuance.models import Announcement

bp = Blueprint("announcements", __name__)


@bp.get("/announcements")
def announcement_list() -> Response:
    """``{"items": [{"id", "kind", "title", "body", "published_at", "certificate"}],
    "next"}``, newest first, a page at a time (``?cursor=`` from ``next``, ``?limit=``).

    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request()
    page = announcements.keyset_page(db.session, cursor=wanted.cursor, limit=wanted.limit)
    response = jsonify(page_json([announcement_json(a) for a in page.items], page))
    response.cache_control.no_store = True
    return response


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    """An announcement as the public reads it."""
    return {
        "id": announcement.id,
        "kind": announcement.kind,
        "title": announcement.title,
        "body": announcement.body,
        "published_at": timestamp(announcement.published_at),
        "certificate": announcement.certificate.number if announcement.certificate else None,
    }
