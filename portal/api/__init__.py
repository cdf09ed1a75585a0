"""The JSON API under ``/api/v1`` (contract: ``docs/api.md``).

Programs authenticate with ``Authorization: Bearer <token>``; a browser
session cookie works too, but then every state-changing call must carry the
CSRF token in ``X-CSRFToken``. Each module holds the routes of one resource
on its own blueprint, nested under :data:`bp`.
"""

from __future__ import annotations

from flask import Blueprint

from portal.api import (
    announcements,
    applications,
    certificates,
    common,
    definitions,
    notifications,
    pickers,
    processes,
    public_lists,
    registrations,
    tasks,
    tokens,
    uploads,
)
from portal.core.extensions import csrf

bp = Blueprint("api", __name__, url_prefix=common.API_PREFIX)
common.init_blueprint(bp)
for module in (
    tokens,
    registrations,
    processes,
    public_lists,
    announcements,
    applications,
    tasks,
    notifications,
    definitions,
    certificates,
    uploads,
    pickers,
):
    bp.register_blueprint(module.bp)
    # Flask-WTF exempts a blueprint by the name a request is routed through,
    # which for these routes is the nested one ("api.tokens"), not "api".
    csrf.exempt(module.bp)
