"""Configuration, read once from the environment.

Every setting the portal understands is listed here with its default. The
application factory turns a :class:`Settings` into Flask's ``app.config``;
nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from portal.core.clock import CHINA

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable portal."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    """``env[name]`` as a non-negative integer (``default`` when unset or blank).

    :raise ConfigError: not a non-negative integer.
    """
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"{name} must be a non-negative integer, not {value!r}")
    return number


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults of the embedded set-up."""

    PORTAL_ENV: str = "production"
    SECRET_KEY: str = field(default="", repr=False)
    DATABASE_URL: str = ""
    STORAGE_DIR: str = ""
    MINIO_ENDPOINT: str = ""
    MINIO_ACCESS_KEY: str = ""
    MINIO_SECRET_KEY: str = field(default="", repr=False)
    MINIO_BUCKET: str = "portal"
    MINIO_SECURE: bool = False
    PORTAL_BASE_URL: str = "http://localhost:5000"
    PORTAL_TIMEZONE: str = CHINA.key
    RATELIMIT_STORAGE_URI: str = "memory://"
    LOGIN_RATE_LIMIT: str = "10 per minute"
    REGISTRATION_RATE_LIMIT: str = "20 per hour"
    PROGRESS_RATE_LIMIT: str = "10 per minute;60 per hour"
    # How many reverse proxies in front of the portal set X-Forwarded-For/-Proto
    # (0: none; the client address is the connection's).
    TRUSTED_PROXIES: int = 0
    API_TOKEN_TTL_HOURS: int = 12
    KEYS_DIR: str = ""
    KEYS_PASSPHRASE: str = field(default="", repr=False)
    # Partial resumable uploads (tus); every worker serving uploads must share it.
    UPLOAD_DIR: str = ""
    UPLOAD_CHUNK_SIZE: int = 8 * 1024**2
    # The largest document slot allows 2 GB (software installation packages).
    MAX_CONTENT_LENGTH: int = 2 * 1024**3 + 1024**2
    # A process package (BPMN, forms, manifest) is text; refused beyond this.
    MAX_DEFINITION_LENGTH: int = 16 * 1024**2
    # E-mail to applicants (messages about decisions); none while SMTP_HOST is empty.
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = field(default="", repr=False)
    SMTP_FROM: str = ""
    SMTP_STARTTLS: bool = True
    # RSA key pairs for digital certificates made ahead by the tick (0: none, every
    # issuing generates its own inside the decision).
    KEY_POOL_SIZE: int = 20
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, *, instance_path: str) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``).

        :raise ConfigError: unknown ``PORTAL_ENV``, or no ``SECRET_KEY`` or no
            ``KEYS_PASSPHRASE`` outside development and testing, or a number
            setting (``TRUSTED_PROXIES``, ``MAX_DEFINITION_LENGTH``, ``SMTP_PORT``,
            ``KEY_POOL_SIZE``) that is
            not one, or ``SMTP_HOST`` without ``SMTP_FROM``.
        """
        env = dict(os.environ if environ is None else environ)
        portal_env = env.get("PORTAL_ENV", "production").strip() or "production"
        if portal_env not in ENVIRONMENTS:
            raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}")
        instance = Path(instance_path)
        secret = env.get("SECRET_KEY", "")
        if not secret:
            if portal_env == "production":
                raise ConfigError(
                    "SECRET_KEY must be set in production "
                    "(or set PORTAL_ENV=development on a developer machine)."
                )
            secret = _instance_secret(instance, "secret_key")
        passphrase = env.get("KEYS_PASSPHRASE", "")
        if not passphrase:
            if portal_env == "production":
                raise ConfigError(
                    "KEYS_PASSPHRASE must be set in production: it encrypts the private keys "
                    "of the portal's CA, document signing and QR tokens (see README)."
                )
            passphrase = _instance_secret(instance, "keys_passphrase")
        return cls(
            PORTAL_ENV=portal_env,
            SECRET_KEY=secret,
            DATABASE_URL=normalize_database_url(
                env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.sqlite'}"
            ),
            STORAGE_DIR=env.get("STORAGE_DIR") or str(instance / "storage"),
            MINIO_ENDPOINT=env.get("MINIO_ENDPOINT", ""),
            MINIO_ACCESS_KEY=env.get("MINIO_ACCESS_KEY", ""),
            MINIO_SECRET_KEY=env.get("MINIO_SECRET_KEY", ""),
            MINIO_BUCKET=env.get("MINIO_BUCKET", "portal"),
            MINIO_SECURE=_bool(env.get("MINIO_SECURE"), False),
            PORTAL_BASE_URL=env.get("PORTAL_BASE_URL", "http://localhost:5000").rstrip("/"),
            PORTAL_TIMEZONE=env.get("PORTAL_TIMEZONE", CHINA.key),
            RATELIMIT_STORAGE_URI=env.get("RATELIMIT_STORAGE_URI") or "memory://",
            LOGIN_RATE_LIMIT=env.get("LOGIN_RATE_LIMIT") or "10 per minute",
            REGISTRATION_RATE_LIMIT=env.get("REGISTRATION_RATE_LIMIT") or "20 per hour",
            PROGRESS_RATE_LIMIT=env.get("PROGRESS_RATE_LIMIT") or "10 per minute;60 per hour",
            TRUSTED_PROXIES=_int(env, "TRUSTED_PROXIES", 0),
            MAX_DEFINITION_LENGTH=_int(env, "MAX_DEFINITION_LENGTH", 16 * 1024**2),
            API_TOKEN_TTL_HOURS=int(env.get("API_TOKEN_TTL_HOURS", "12")),
            KEYS_DIR=env.get("KEYS_DIR") or str(instance / "keys"),
            KEYS_PASSPHRASE=passphrase,
            UPLOAD_DIR=env.get("UPLOAD_DIR") or str(instance / "uploads"),
            UPLOAD_CHUNK_SIZE=int(env.get("UPLOAD_CHUNK_SIZE", str(8 * 1024**2))),
            KEY_POOL_SIZE=_int(env, "KEY_POOL_SIZE", 20),
            **_smtp(env),
        )

    @property
    def is_production(self) -> bool:
        return self.PORTAL_ENV == "production"

    def as_flask_config(self) -> dict[str, Any]:
        """The mapping loaded into ``app.config``."""
        config = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        config.update(
            SESSION_COOKIE_SECURE=self.is_production,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            REMEMBER_COOKIE_SECURE=self.is_production,
            REMEMBER_COOKIE_HTTPONLY=True,
            PERMANENT_SESSION_LIFETIME=8 * 3600,
            WTF_CSRF_TIME_LIMIT=None,
            BABEL_DEFAULT_LOCALE="zh_CN",
            BABEL_DEFAULT_TIMEZONE=self.PORTAL_TIMEZONE,
            RATELIMIT_STORAGE_URI=self.RATELIMIT_STORAGE_URI,
            RATELIMIT_HEADERS_ENABLED=True,
            JSON_SORT_KEYS=False,
        )
        config.update(self.extra)
        return config


def _smtp(env: dict[str, str]) -> dict[str, Any]:
    """The ``SMTP_*`` settings.

    :raise ConfigError: ``SMTP_HOST`` without ``SMTP_FROM``, or a port that is no number.
    """
    host = env.get("SMTP_HOST", "").strip()
    sender = env.get("SMTP_FROM", "").strip()
    if host and not sender:
        raise ConfigError("SMTP_FROM (the sender's address) must be set with SMTP_HOST.")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": _int(env, "SMTP_PORT", 587),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": sender,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), True),
    }


def _instance_secret(instance: Path, name: str) -> str:
    """A development secret generated once and kept in the instance folder as ``name``.

    It is never a constant in the code, and survives restarts so that sessions
    stay valid across the several worker processes of the development server
    (and the development keys stay readable).
    """
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
