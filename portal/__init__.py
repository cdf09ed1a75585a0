"""The web portal: application factory and wiring.

``create_app`` reads the configuration once, binds the extensions (the
database, the document store, the key store), builds the process registry
(the platform's building blocks, then each process folder's ``register``),
registers one blueprint per area (``auth``, ``applicant``, ``review``,
``admin``, ``public``, ``api``) and those of the process folders, and
publishes the packages of the process folders when they are new.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from certificates.keys import ORGANIZATION
from portal import cli
from portal.accounts.models import User, parse_session_id
from portal.admin import bp as admin_bp
from portal.api import bp as api_bp
from portal.api.common import API_PREFIX
from portal.applicant import bp as applicant_bp
from portal.applications import blocks
from portal.applications.definitions import DefinitionService
from portal.applications.registry import Platform, ProcessRegistry
from portal.auth import bp as auth_bp
from portal.calendar.services import CalendarService
from portal.core import error_pages as errors
from portal.core import input_guards, security
from portal.core.config import Settings
from portal.core.extensions import (
    babel,
    compile_catalogues,
    csrf,
    db,
    documents,
    keys,
    limiter,
    login_manager,
    select_locale,
)
from portal.core.extensions import processes as platform_extension
from portal.core.i18n import N_
from portal.issuance.services import Issuing
from portal.mail.outbox import Outbox, SmtpSettings
from portal.pages import viewhelpers
from portal.processes import registrations
from portal.public import bp as public_bp
from portal.public import fast_path
from portal.review import bp as review_bp

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. ``test_config`` overrides everything read from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    environ = None
    if test_config is not None:
        strings = {k: v for k, v in test_config.items() if isinstance(v, str)}
        environ = {"PORTAL_ENV": "testing", **strings}
    settings = Settings.from_env(environ, instance_path=app.instance_path)
    app.config.from_mapping(settings.as_flask_config())
    if test_config is not None:
        app.config.from_mapping(test_config)

    trusted_proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)  # type: ignore[method-assign]

    input_guards.init_app(app)  # first: its converter and checks apply to every route
    db.init_app(app)
    documents.init_app(app)
    keys.init_app(app)
    registry = build_registry()
    platform_extension.init_app(
        app,
        Platform(
            registry=registry,
            issuing=Issuing(
                store=app.extensions["portal.store"],
                keys=app.extensions["portal.keys"],
                base_url=app.config["PORTAL_BASE_URL"],
                issuer_name=ORGANIZATION,
                types=registry.certificate_types,
                revocation_hooks=registry.revocation_hooks,
                outbox=Outbox(SmtpSettings.from_config(app.config)),
                key_pool_size=int(app.config["KEY_POOL_SIZE"]),
            ),
        ),
    )
    csrf.init_app(app)
    compile_catalogues(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    _init_login(app)

    security.init_app(app)
    viewhelpers.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for blueprint in (public_bp, auth_bp, applicant_bp, review_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    for blueprint in registry.blueprints:
        app.register_blueprint(blueprint)
        if blueprint.url_prefix == API_PREFIX:
            csrf.exempt(blueprint)  # the API's own check of cookie-only calls applies

    with app.app_context():
        _sync_shipped_data()
    fast_path.init_app(app)  # last: anonymous verifications answered before Flask runs
    return app


def build_registry() -> ProcessRegistry:
    """The platform's building blocks, then what each process folder registers."""
    registry = ProcessRegistry()
    blocks.register(registry)
    for registration in registrations():
        registration.register(registry)
    return registry


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The active user a session names, unless it signed out since (see ``User.get_id``)."""
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        user = db.session.get(User, parsed[0])
        if user is None or not user.active or user.session_epoch != parsed[1]:
            return None
        return user


def _sync_shipped_data() -> None:
    """Once the schema exists, publish what ships with the code that is not yet stored.

    New versions of ``workflows/bpmn/*.bpmn`` become process definitions; years
    of the chinese-calendar package not stored yet join the working calendar.
    """
    if not sa.inspect(db.engine).has_table("process_definitions"):
        log.info("database not migrated yet; run `flask --app wsgi db upgrade`")
        return
    for definition in DefinitionService(
        db.session, platform_extension.platform.registry
    ).sync_builtin():
        log.info("published %s version %s", definition.key, definition.version)
    if sa.inspect(db.engine).has_table("calendar_years"):  # not before `db upgrade` to 0002
        CalendarService(db.session).seed_from_package()
