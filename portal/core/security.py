"""HTTP security headers (Flask-Talisman) and related hardening."""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

# Everything the pages need is served by the portal itself: no inline scripts,
# no third-party origins.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    production = app.config["PORTAL_ENV"] == "production"
    talisman.init_app(
        app,
        # TLS ends at the reverse proxy; it redirects plain HTTP.
        force_https=False,
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
