"""``POST /tokens``: exchange a user name and password for a bearer token."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, request

from portal.accounts.services import AccountService
from portal.api.common import json_body
from portal.api.serializers import timestamp
from portal.core.errors import Invalid
from portal.core.extensions import db, limiter
from portal.core.i18n import N_

bp = Blueprint("tokens", __name__)


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute"))
def create_token() -> tuple[Response, int]:
    payload = json_body()
    username, password = payload.get("username"), payload.get("password")
    errors = {
        key: [N_("This field is required.")]
        for key, value in (("username", username), ("password", password))
        if not isinstance(value, str) or not value
    }
    if errors:
        raise Invalid(errors)
    accounts = AccountService(
        db.session, token_ttl=timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    )
    user = accounts.authenticate(str(username), str(password), ip=request.remote_addr)
    issued = accounts.issue_token(user)
    return jsonify({"token": issued.token, "expires_at": timestamp(issued.expires_at)}), 201
