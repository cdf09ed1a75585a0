"""Keyset pagination: every list of the portal is read a page at a time.

A page is found by *where the previous one ended*, not by an offset: the
query orders by a few sort keys ending in a unique column, and the cursor of
the next page holds the last row's values of those keys. The database then
seeks straight to them through an index, so the thousandth page costs what
the first does, and rows added meanwhile neither repeat nor go missing.

Sort keys must never be NULL (wrap a nullable column in ``coalesce``) and the
last one must be unique (an id), so that the order is total. A cursor is
opaque to clients (base64url of JSON); a cursor that was not made here is
refused with 422 on ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from portal.core.errors import Invalid
from portal.core.i18n import N_

T = TypeVar("T")

DEFAULT_LIMIT = 50
"""Items on a page unless the caller asks for another number."""
MAX_LIMIT = 200
"""The most items one page holds."""
_NOT_A_CURSOR = N_("This cursor is not valid; start from the first page.")
_MAX_CURSOR = 2000
"""A cursor longer than this was not made here (ours stay well under 300)."""


@dataclass(frozen=True)
class SortKey:
    """One key of a list's order: a non-NULL expression, ascending or descending."""

    expression: ColumnElement[Any]
    descending: bool = False

    @classmethod
    def asc(cls, expression: Any) -> SortKey:
        return cls(expression)

    @classmethod
    def desc(cls, expression: Any) -> SortKey:
        return cls(expression, descending=True)

    def ordering(self) -> ColumnElement[Any]:
        return self.expression.desc() if self.descending else self.expression.asc()

    def beyond(self, value: Any) -> ColumnElement[bool]:
        """Rows after ``value`` in this key's direction."""
        return self.expression < value if self.descending else self.expression > value


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of one page and the cursor of the next (None on the last page)."""

    items: list[T]
    after: str | None


def paginate(
    session: Session,
    query: sa.Select[Any],
    keys: Sequence[SortKey],
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Any]:
    """One page of ``query`` in the order of ``keys``, starting after ``cursor``.

    ``query`` selects what the page shows (one entity gives the entities, several
    columns give rows) and must not be ordered or limited itself. One statement:
    the sort keys ride along as extra columns and one row more than the page is
    fetched to know whether another page follows.

    :raise Invalid: ``cursor`` was not made for these keys.
    """
    if not keys:
        raise ValueError("a keyset page needs at least one sort key")
    shown = len(query.column_descriptions)
    if cursor:
        query = query.where(_after(keys, _typed(keys, decode_cursor(cursor, len(keys)))))
    rows = session.execute(
        query.add_columns(*(key.expression.label(f"_page_key_{i}") for i, key in enumerate(keys)))
        .order_by(*(key.ordering() for key in keys))
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [row[0] if shown == 1 else tuple(row[:shown]) for row in rows]
    after = encode_cursor(tuple(rows[-1][shown:])) if more and rows else None
    return Page(items, after)


def narrowed(
    ids: sa.Select[Any],
    keys: Sequence[SortKey],
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> sa.Select[Any]:
    """The ids one page can hold, as a subquery for ``column.in_(...)``: ``ids``
    (one table's ids and conditions, no joins) after ``cursor`` in the order of
    ``keys`` (on that table's columns), one more than ``limit``.

    A list that joins what it shows (applications, applicants) lets the
    database sort the base rows first and join only the page's, instead of
    joining every candidate row before sorting; :func:`paginate` then orders
    and cuts the joined rows again, so the page is the same either way.

    :raise Invalid: ``cursor`` was not made for these keys.
    """
    if cursor:
        ids = ids.where(_after(keys, _typed(keys, decode_cursor(cursor, len(keys)))))
    return ids.order_by(*(key.ordering() for key in keys)).limit(limit + 1)


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list a request asks for: ``?cursor=`` (from a ``next``
    link; absent for the first page) and ``?limit=`` (1 to :data:`MAX_LIMIT`,
    default :data:`DEFAULT_LIMIT`)."""

    cursor: str | None
    limit: int


def page_request(default_limit: int = DEFAULT_LIMIT) -> PageRequest:
    """The current request's ``cursor`` and ``limit`` (API routes and pages alike).

    :raise Invalid: ``limit`` is not a whole number from 1 to :data:`MAX_LIMIT`.
    """
    text = request.args.get("limit", "")
    limit = default_limit
    if text:
        if not text.isdecimal() or not 1 <= int(text) <= MAX_LIMIT:
            raise Invalid({"limit": [N_("Give a whole number from 1 to 200.")]})
        limit = int(text)
    return PageRequest(request.args.get("cursor") or None, limit)


def next_link(page: Page[Any]) -> str | None:
    """The path and query of the page after ``page`` (the request's other
    parameters kept), or None on the last page."""
    if page.after is None:
        return None
    return _with_cursor(page.after)


def first_link() -> str | None:
    """The path and query of the first page, once the request has moved past it."""
    if not request.args.get("cursor"):
        return None
    return _with_cursor(None)


def _with_cursor(cursor: str | None) -> str:
    args = request.args.copy()
    args.pop("cursor", None)
    args.pop("page", None)  # a numbered page's successor is found by cursor
    if cursor is not None:
        args["cursor"] = cursor
    query = urlencode(list(args.items(multi=True)))
    return f"{request.path}?{query}" if query else request.path


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys``.

    Keys all in one direction compare as a row value, ``(k1, k2) < (v1, v2)``,
    which PostgreSQL turns into an index condition; mixed directions need
    ``k1 > v1 OR (k1 = v1 AND k2 < v2) OR ...``.
    """
    if len({key.descending for key in keys}) == 1:
        row = sa.tuple_(*(key.expression for key in keys))
        bound = sa.tuple_(
            *(sa.literal(v, type_=k.expression.type) for k, v in zip(keys, values, strict=True))
        )
        return row < bound if keys[0].descending else row > bound
    alternatives = []
    for i, key in enumerate(keys):
        equal = [keys[j].expression == values[j] for j in range(i)]
        alternatives.append(sa.and_(*equal, key.beyond(values[i])))
    return sa.or_(*alternatives)


def _typed(keys: Sequence[SortKey], values: list[Any]) -> list[Any]:
    """``values`` if each is of its key's type: a cursor made by hand with a text
    where a time belongs must be refused here, not fail inside the driver.

    :raise Invalid: a value of another type (422 on ``cursor``).
    """
    return [_of_type(key, value) for key, value in zip(keys, values, strict=True)]


def _of_type(key: SortKey, value: Any) -> Any:
    kind = key.expression.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        expected: type = kind.python_type
    except NotImplementedError:
        return value
    if issubclass(expected, Enum) and isinstance(value, str):
        try:
            return expected(value)
        except ValueError as exc:
            raise Invalid({"cursor": [_NOT_A_CURSOR]}) from exc
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise Invalid({"cursor": [_NOT_A_CURSOR]})
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the sort key ``values`` of a page's last row."""
    raw = json.dumps([_tagged(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[Any]:
    """The sort key values of a cursor made by :func:`encode_cursor`.

    :raise Invalid: not such a cursor, or not one of ``count`` keys.
    """
    try:
        if len(cursor) > _MAX_CURSOR:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = [_untagged(v) for v in json.loads(raw)]
        if len(values) != count:
            raise ValueError(cursor)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid(
            {"cursor": [N_("This cursor is not valid; start from the first page.")]}
        ) from exc
    return values


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"cannot page on a {type(value).__name__} key")


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        if not isinstance(text, str):
            raise TypeError(text)
        parsers: dict[str, Callable[[str], Any]] = {
            "t": _aware,
            "d": date.fromisoformat,
            "u": uuid.UUID,
        }
        parse = parsers[tag]
        return parse(text)
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(value)


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment
