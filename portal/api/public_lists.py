"""Public lists 名单公示 (no sign-in): who a process admitted."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import get_locale

from portal.api.serializers import timestamp
from portal.applications.definitions import DefinitionService
from portal.core.extensions import db, processes
from portal.issuance import public_lists

bp = Blueprint("public_lists", __name__)


@bp.get("/public-lists/<key>")
def public_list(key: str) -> Response:
    """``{"title", "items": [{"organization", "admitted_at", "certificate"}]}``, oldest
    admission first.

    :raise 404: no process declares this list and nothing was published on it.
    """
    declared = DefinitionService(db.session, processes.platform.registry).declared_public_list(key)
    found = public_lists.get(db.session, key, declared=declared)
    response = jsonify(
        {
            "key": found.key,
            "title": found.title_in(str(get_locale() or "zh_CN")),
            "items": [
                {
                    "organization": entry.organization_name,
                    "admitted_at": timestamp(entry.admitted_at),
                    "certificate": entry.certificate_number,
                }
                for entry in found.entries
            ],
        }
    )
    response.cache_control.no_store = True
    return response
