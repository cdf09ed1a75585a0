"""Process definitions: administrators publish new BPMN versions."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from portal.accounts.models import Role
from portal.api.common import actor, signed_in
from portal.applications.definitions import DefinitionService
from portal.core.errors import Forbidden, Invalid
from portal.core.extensions import db
from portal.core.i18n import N_

bp = Blueprint("definitions", __name__)


def _require_admin() -> None:
    if actor().role is not Role.ADMIN:
        raise Forbidden(N_("Only administrators manage process definitions."))


@bp.get("/process-definitions")
@signed_in
def list_definitions() -> Response:
    _require_admin()
    keys: dict[str, list[dict[str, Any]]] = {}
    for definition in DefinitionService(db.session).all_versions():
        keys.setdefault(definition.key, []).append(
            {
                "version": definition.version,
                "name": definition.name,
                "hash": definition.content_hash,
                "created_at": definition.created_at.isoformat(),
                "forms": sorted(definition.forms),
            }
        )
    return jsonify({"items": [{"key": k, "versions": v} for k, v in keys.items()]})


@bp.post("/process-definitions")
@signed_in
def publish_definition() -> tuple[Response, int]:
    _require_admin()
    bpmn = request.files.get("bpmn")
    if bpmn is None:
        raise Invalid({"bpmn": [N_("Upload the BPMN file as 'bpmn'.")]})
    forms: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for upload in request.files.getlist("forms"):
        name = upload.filename or "form.json"
        try:
            schema = json.loads(upload.stream.read())
        except (UnicodeDecodeError, json.JSONDecodeError):
            errors.setdefault("forms", []).append(f"{name}: not valid JSON")
            continue
        if not isinstance(schema, dict):
            errors.setdefault("forms", []).append(f"{name}: not a form-js schema object")
            continue
        forms[name] = schema
    if errors:
        raise Invalid(errors)
    definition, created = DefinitionService(db.session).publish(
        bpmn.stream.read(), forms, actor=actor()
    )
    return jsonify({"key": definition.key, "version": definition.version}), (
        201 if created else 200
    )
