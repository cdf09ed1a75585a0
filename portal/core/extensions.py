"""Flask extensions, created once and bound to the app in the factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from certificates import KeyStore, KeyStoreError
from portal.core.config import ConfigError
from portal.core.db import (
    create_db_engine,
    create_read_engine,
    make_session_factory,
    retry_disconnect,
)
from storage import DocumentStore, S3DocumentStore, create_store

if TYPE_CHECKING:
    from portal.applications.registry import Platform

T = TypeVar("T")
LANGUAGES = ("zh_CN", "en")
log = logging.getLogger(__name__)


class Database:
    """One engine per app, one session per app context (request, command); on
    PostgreSQL a second engine for public reads (:meth:`read`)."""

    def init_app(self, app: Flask) -> None:
        engine = create_db_engine(app.config["DATABASE_URL"])
        app.extensions["portal.core.db"] = (engine, make_session_factory(engine))
        reader = create_read_engine(app.config["DATABASE_URL"])
        if reader is not None:  # one dispose() closes both pools (tests, forks, benchmarks)
            sa.event.listen(engine, "engine_disposed", lambda _connection: reader.dispose())
        app.extensions["portal.core.db.read"] = (
            reader,
            make_session_factory(reader) if reader is not None else None,
        )
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> tuple[Engine, sessionmaker[Session]]:
        return current_app.extensions["portal.core.db"]

    @property
    def engine(self) -> Engine:
        return self._state()[0]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state()[1]()
        return g.db_session

    @property
    def read_engine(self) -> Engine | None:
        """The engine of public reads, None when :attr:`engine` serves them (SQLite)."""
        return current_app.extensions["portal.core.db.read"][0]

    def read(self, query: Callable[[Session], T]) -> T:
        """``query(session)`` on a session for public reads of committed rows.

        On PostgreSQL the session's connections are in autocommit and not pinged
        (``portal.core.db.create_read_engine``): a read is its statements alone,
        retried once on a new connection when the server had closed the pooled
        one. ``query`` must only read. On SQLite it is the request's session.
        """
        factory = current_app.extensions["portal.core.db.read"][1]
        if factory is None:
            return query(self.session)

        def reset() -> None:
            self._close_read_session(None)

        def attempt() -> T:
            if "db_read_session" not in g:
                g.db_read_session = factory()
            return query(g.db_read_session)

        return retry_disconnect(attempt, reset)

    def _close_session(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        self._close_read_session(exc)

    @staticmethod
    def _close_read_session(_exc: BaseException | None) -> None:
        session = g.pop("db_read_session", None)
        if session is not None:
            session.close()


class Documents:
    """The document store chosen by configuration (folder or MinIO)."""

    def init_app(self, app: Flask) -> None:
        store = create_store(app.config)
        if isinstance(store, S3DocumentStore):
            store.ensure_bucket()
        app.extensions["portal.store"] = store

    @property
    def store(self) -> DocumentStore:
        return current_app.extensions["portal.store"]


class Keys:
    """The key store: the root CA, the document-signing key, the JWS keys of QR tokens.

    Missing keys are created at start-up (once, under a file lock, however many
    processes start together). Every machine of a deployment must use the same
    keys: share ``KEYS_DIR`` (a mounted secret) or provision it with
    ``flask --app wsgi keys init`` before starting them.
    """

    def init_app(self, app: Flask) -> None:
        """:raise ConfigError: the keys cannot be decrypted with ``KEYS_PASSPHRASE``."""
        store = KeyStore(Path(app.config["KEYS_DIR"]), app.config["KEYS_PASSPHRASE"].encode())
        try:
            if store.missing():  # a provisioned (perhaps read-only) folder needs no lock
                store.ensure()
            store.current_jws_key()  # a wrong passphrase fails here, not at the first certificate
        except KeyStoreError as exc:
            raise ConfigError(f"the keys in {store.directory} cannot be used: {exc}") from exc
        app.extensions["portal.keys"] = store

    @property
    def store(self) -> KeyStore:
        return current_app.extensions["portal.keys"]


class Processes:
    """The process platform of the app: the registry of the process folders and what
    issuing needs (:class:`portal.applications.registry.Platform`), built by
    ``create_app`` and handed to the services explicitly."""

    @staticmethod
    def init_app(app: Flask, platform: Platform) -> None:
        app.extensions["portal.platform"] = platform

    @property
    def platform(self) -> Platform:
        return current_app.extensions["portal.platform"]


def compile_catalogues(app: Flask) -> None:
    """Compile every message catalogue (``.po``) whose ``.mo`` is missing or older.

    So a deployment needs no build step for its translations (``pip install``,
    ``db upgrade``, gunicorn serve Chinese pages). Each ``.mo`` is written to a
    temporary file and renamed into place, so workers starting together never
    read half a file. When a translations folder cannot be written (a read-only
    install), its catalogues are compiled into the instance folder and that
    folder is read instead.
    """
    configured = str(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations"))
    directories = []
    for name in configured.split(";"):
        directory = Path(app.root_path, name)
        try:
            _compile_folder(directory, directory)
        except OSError as exc:
            fallback = Path(app.instance_path, "translations")
            log.warning("cannot write to %s (%s); compiling into %s", directory, exc, fallback)
            _compile_folder(directory, fallback)
            directory = fallback
        directories.append(str(directory))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)


def _compile_folder(source: Path, target: Path) -> None:
    """:raise OSError: ``target`` cannot be written."""
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
        try:
            with partial.open("wb") as handle:
                write_mo(handle, catalogue)
            partial.replace(mo)
        finally:
            partial.unlink(missing_ok=True)
        log.info("compiled %s", mo)


def select_locale() -> str:
    """Chinese unless the reader chose English.

    Pages follow the language switch (kept in the session); API clients may
    ask with ``Accept-Language``.
    """
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES, default="zh_CN") or "zh_CN"
    return "zh_CN"


def _limiter_key() -> Any:
    return get_remote_address()


db = Database()
documents = Documents()
keys = Keys()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=_limiter_key)
processes = Processes()
