"""``POST /registrations``: an enterprise signs itself up."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from portal.accounts.models import Organization
from portal.accounts.services import AccountService, Registration
from portal.api.common import json_body
from portal.api.serializers import organization_json, user_json
from portal.core.extensions import db, limiter

bp = Blueprint("registrations", __name__)
FIELDS = (
    "org_name",
    "uscc",
    "org_type",
    "contact_name",
    "mobile",
    "username",
    "password",
    "email",
)


@bp.post("/registrations")
@limiter.limit(lambda: current_app.config.get("REGISTRATION_RATE_LIMIT", "20 per hour"))
def register() -> tuple[Response, int]:
    payload = json_body()
    values = {key: payload.get(key) for key in FIELDS}
    form = Registration(**{k: v if isinstance(v, str) else "" for k, v in values.items()})
    user = AccountService(db.session).register_enterprise(form, ip=request.remote_addr)
    organization = db.session.get(Organization, user.organization_id)
    if organization is None:  # register_enterprise always creates the user's organization
        raise RuntimeError(f"registered user {user.id} has no organization")
    return jsonify({"user": user_json(user), "organization": organization_json(organization)}), 201
