"""``GET /processes``: what the caller may start, with its application form."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from portal.api.common import actor, signed_in
from portal.api.serializers import process_json
from portal.applications.definitions import form_of, model_of
from portal.applications.services import ApplicationService
from portal.core.extensions import db, processes

bp = Blueprint("processes", __name__)


@bp.get("/processes")
@signed_in
def list_processes() -> Response:
    definitions = ApplicationService(db.session, processes.platform).startable(actor())
    return jsonify({"items": [process_json(d) for d in definitions]})


@bp.get("/processes/<key>")
@signed_in
def get_process(key: str) -> Response:
    definition = ApplicationService(db.session, processes.platform).startable_one(actor(), key)
    form = form_of(definition, model_of(definition).start_form)
    return jsonify({**process_json(definition), "form": form.describe()})
