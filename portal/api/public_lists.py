"""Public lists 名单公示 (no sign-in): who a process admitted."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import get_locale

from portal.api.serializers import timestamp
from portal.applications.definitions import DefinitionService
from portal.core.extensions import db, processes
from portal.core.paging import Page, next_link, page_request
from portal.issuance import public_lists

bp = Blueprint("public_lists", __name__)


@bp.get("/public-lists/<key>")
def public_list(key: str) -> Response:
    """``{"key", "title", "items": [{"organization", "admitted_at", "certificate"}],
    "next"}``, oldest admission first, a page at a time (``?cursor=``, ``?limit=``).

    :raise 404: no process declares this list and nothing was published on it.
    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request()
    declared = DefinitionService(db.session, processes.platform.registry).declared_public_list(key)
    found = public_lists.get(
        db.session, key, declared=declared, cursor=wanted.cursor, limit=wanted.limit
    )
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
            "next": next_link(Page(found.entries, found.after)),
        }
    )
    response.cache_control.no_store = True
    return response
