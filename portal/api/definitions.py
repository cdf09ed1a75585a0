"""Process definitions: administrators publish process packages (BPMN, forms, manifest)
as new versions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext

from portal.accounts.models import Role
from portal.api.common import actor, signed_in
from portal.applications.definitions import DefinitionService
from portal.core.errors import Forbidden, Invalid
from portal.core.extensions import db, processes
from portal.core.i18n import N_
from portal.core.input_guards import JsonRefused, load_json, upload_limit

bp = Blueprint("definitions", __name__)


def _require_admin() -> None:
    if actor().role is not Role.ADMIN:
        raise Forbidden(N_("Only administrators manage process definitions."))


@bp.get("/process-definitions")
@signed_in
def list_definitions() -> Response:
    _require_admin()
    keys: dict[str, list[dict[str, Any]]] = {}
    for definition in DefinitionService(db.session, processes.platform.registry).all_versions():
        keys.setdefault(definition.key, []).append(
            {
                "version": definition.version,
                "name": definition.name,
                "hash": definition.content_hash,
                "created_at": definition.created_at.isoformat(),
                "forms": sorted(definition.forms),
                "manifest": definition.manifest is not None,
            }
        )
    return jsonify({"items": [{"key": k, "versions": v} for k, v in keys.items()]})


@bp.post("/process-definitions")
@upload_limit("MAX_DEFINITION_LENGTH")
@signed_in
def publish_definition() -> tuple[Response, int]:
    """Publish a package: ``bpmn``, any ``forms`` and at most one ``manifest`` file.

    :raise 413: the request is larger than ``MAX_DEFINITION_LENGTH`` (refused
        before it is read).
    :raise Invalid: a form or the manifest is not JSON (or is refused JSON:
        nested too deeply, NUL characters), or the package is rejected.
    """
    _require_admin()
    bpmn = request.files.get("bpmn")
    if bpmn is None:
        raise Invalid({"bpmn": [N_("Upload the BPMN file as 'bpmn'.")]})
    forms, manifest = _read_json_uploads()
    definition, created = DefinitionService(db.session, processes.platform.registry).publish(
        bpmn.stream.read(), forms, manifest=manifest, actor=actor()
    )
    return jsonify({"key": definition.key, "version": definition.version}), (
        201 if created else 200
    )


def _read_json_uploads() -> tuple[dict[str, Any], Any | None]:
    """The uploaded ``forms`` (by file name) and ``manifest`` (parsed, or None).

    :raise Invalid: with every file that is not JSON, refused JSON (nested too
        deeply, NUL characters), not a schema object, or more than one manifest.
    """
    forms: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for upload in request.files.getlist("forms"):
        name = upload.filename or "form.json"
        try:
            schema = load_json(upload.stream.read())
        except JsonRefused as exc:
            errors.setdefault("forms", []).append(f"{name}: {gettext(exc.message)}")
            continue
        except ValueError:
            errors.setdefault("forms", []).append(f"{name}: not valid JSON")
            continue
        if not isinstance(schema, dict):
            errors.setdefault("forms", []).append(f"{name}: not a form-js schema object")
            continue
        forms[name] = schema
    manifests = request.files.getlist("manifest")
    manifest: Any | None = None
    if len(manifests) > 1:
        errors.setdefault("manifest", []).append(N_("Upload at most one manifest."))
    elif manifests:
        try:
            manifest = load_json(manifests[0].stream.read())
        except JsonRefused as exc:
            errors.setdefault("manifest", []).append(exc.message)
        except ValueError:
            errors.setdefault("manifest", []).append(N_("The manifest is not valid JSON."))
    if errors:
        raise Invalid(errors)
    return forms, manifest
