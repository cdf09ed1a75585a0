"""Database plumbing: the declarative base, column types, engines and sessions.

The models use plain SQLAlchemy 2 (no Flask-SQLAlchemy) so that services,
the CLI and the scheduler share them without an application context. The web
layer gets one session per request from :class:`Database`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from portal.core.clock import utcnow

T = TypeVar("T")

__all__ = [
    "Base",
    "JSONType",
    "UTCDateTime",
    "create_db_engine",
    "create_read_engine",
    "enum_type",
    "utcnow",
]

READ_POOL_RECYCLE = 300
"""Seconds after which the read engine replaces a pooled connection (below the idle
timeouts of firewalls and poolers between the portal and PostgreSQL)."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored in UTC on every backend.

    SQLite has no time zones; this keeps what comes back aware and in UTC
    everywhere, and refuses naive datetimes on the way in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def enum_type(enum_class: type[StrEnum], length: int = 32) -> sa.Enum:
    """A portable enum column storing the members' values (not their names)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the portal's per-backend settings.

    On PostgreSQL each checkout pings the connection first (``pool_pre_ping``):
    one round trip, small beside a write transaction's statements, so a
    connection the server closed never fails a user's decision half-way.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def create_read_engine(url: str) -> Engine | None:
    """The engine of public reads on PostgreSQL (None on SQLite: the one engine serves).

    Its connections are in autocommit, so a read is its statements alone, with no
    ``BEGIN`` and ``ROLLBACK`` around them, and they are not pinged at checkout:
    they are replaced after :data:`READ_POOL_RECYCLE` seconds, and a read that
    meets a connection the server closed is retried once on a new one
    (:func:`retry_disconnect`). Only what reads committed rows, statement by
    statement, may use it.
    """
    if url.startswith("sqlite"):
        return None
    return sa.create_engine(
        url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_recycle=READ_POOL_RECYCLE
    )


def retry_disconnect(read: Callable[[], T], reset: Callable[[], None]) -> T:
    """``read()``; when the connection it used had been closed by the server, ``reset()``
    (a new session) and ``read()`` once more. Any other error is raised as it is."""
    try:
        return read()
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    reset()
    return read()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
