"""What the form pickers offer: GB/T 2260 divisions (public) and the caller's own cinemas."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from forms import divisions
from portal.api.common import actor, signed_in
from portal.cinemas.queries import active_cinemas
from portal.core.errors import Invalid
from portal.core.extensions import db
from portal.core.i18n import N_

bp = Blueprint("pickers", __name__)

_PARENT = re.compile(r"|\d{2}|\d{4}", re.ASCII)
ONE_DAY = 24 * 3600


@bp.get("/divisions")
def division_children() -> Response:
    """``{"items": [{"code", "name"}]}``: the divisions of the latest GB/T 2260
    revision directly under ``?parent=`` ("" the provinces, "43" the prefectures of
    Hunan as 6-digit codes, "4301" the counties of Changsha), by code.

    :raise 422: ``parent`` is not empty, 2 or 4 digits, or no known division.
    """
    parent = request.args.get("parent", "")
    if not _PARENT.fullmatch(parent):
        raise Invalid({"parent": [N_("Expected a 2- or 4-digit division code.")]})
    if parent == "":
        items = divisions.provinces()
    else:
        try:
            counties = divisions.counties(parent)
        except ValueError:
            raise Invalid({"parent": [N_("Unknown division code.")]}) from None
        if len(parent) == 2:  # noqa: PLR2004
            codes = dict.fromkeys(c.code[:4] + "00" for c in counties)
            items = [d for code in codes if (d := divisions.lookup(code)) is not None]
        else:
            items = counties
    response = jsonify({"items": [{"code": d.code, "name": d.name} for d in items]})
    response.cache_control.public = True
    response.cache_control.max_age = ONE_DAY
    return response


@bp.get("/cinemas/mine")
@signed_in
def my_cinemas() -> Response:
    """``{"items": [{"code", "name"}]}``: the active cinemas of the caller's
    organisation in the cinema register, by name (none for staff)."""
    found = active_cinemas(db.session, actor().organization_id)
    response = jsonify({"items": [{"code": c.code, "name": c.name} for c in found]})
    response.cache_control.no_store = True
    return response
