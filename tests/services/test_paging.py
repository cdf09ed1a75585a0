"""Keyset pagination (portal/core/paging.py) on a real table of the portal."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.core.errors import Invalid
from portal.core.models import AuditEvent
from portal.core.paging import SortKey, decode_cursor, encode_cursor, paginate

NOON = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
OURS = sa.select(AuditEvent).where(AuditEvent.action.startswith("step-"))


def _events(session: Session, moments: list[datetime]) -> list[int]:
    rows = [AuditEvent(at=at, action=f"step-{i}") for i, at in enumerate(moments)]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def _walk(session: Session, keys: list[SortKey], limit: int) -> list[list[int]]:
    """Every page's ids, following the cursors to the end."""
    pages: list[list[int]] = []
    cursor = None
    while True:
        page = paginate(session, OURS, keys, cursor=cursor, limit=limit)
        pages.append([event.id for event in page.items])
        if page.after is None:
            return pages
        cursor = page.after


def test_pages_follow_the_order_without_repeating_or_losing_rows_sharing_a_key(
    session: Session,
) -> None:
    moments = [NOON + timedelta(minutes=m) for m in (5, 0, 5, 5, 9, 0, 5, 2)]
    ids = _events(session, moments)
    keys = [SortKey.desc(AuditEvent.at), SortKey.desc(AuditEvent.id)]

    pages = _walk(session, keys, limit=3)

    expected = [i for _, i in sorted(zip(moments, ids, strict=True), reverse=True)]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [i for page in pages for i in page] == expected


def test_mixed_directions_are_honoured(session: Session) -> None:
    moments = [NOON + timedelta(minutes=m) for m in (1, 1, 0, 2, 1)]
    ids = _events(session, moments)
    keys = [SortKey.asc(AuditEvent.at), SortKey.desc(AuditEvent.id)]

    pages = _walk(session, keys, limit=2)

    expected = [i for _, i in sorted(zip(moments, ids, strict=True), key=lambda p: (p[0], -p[1]))]
    assert [i for page in pages for i in page] == expected


def test_a_full_last_page_has_no_cursor_and_an_empty_table_one_empty_page(
    session: Session,
) -> None:
    keys = [SortKey.desc(AuditEvent.id)]
    assert _walk(session, keys, limit=5) == [[]]
    _events(session, [NOON] * 4)
    assert [len(p) for p in _walk(session, keys, limit=2)] == [2, 2]


def test_rows_selected_as_columns_come_back_as_tuples(session: Session) -> None:
    ids = _events(session, [NOON, NOON])
    page = paginate(
        session,
        sa.select(AuditEvent.id, AuditEvent.action).where(AuditEvent.id.in_(ids)),
        [SortKey.asc(AuditEvent.id)],
        limit=1,
    )
    assert page.items == [(ids[0], "step-0")]
    assert page.after is not None


def test_a_cursor_keeps_its_values_types() -> None:
    values = [NOON, "43", 7, None, True]
    assert decode_cursor(encode_cursor(values), len(values)) == values


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[1,2,3]").decode(),  # three keys, two expected
        base64.urlsafe_b64encode(b'{"t": 1}').decode(),  # not a list
        base64.urlsafe_b64encode(json.dumps([{"t": "2026-11-02T04:00:00"}, 1]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([{"x": "1"}, 1]).encode()).decode(),
        "A" * 3000,
    ],
)
def test_a_cursor_not_made_here_is_refused_on_the_cursor_field(cursor: str) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, 2)
    assert list(refused.value.errors) == ["cursor"]


def test_a_well_formed_cursor_with_a_value_of_another_type_is_refused(session: Session) -> None:
    keys = [SortKey.desc(AuditEvent.at), SortKey.desc(AuditEvent.id)]
    forged = encode_cursor(["yesterday", 5])
    with pytest.raises(Invalid) as refused:
        paginate(session, OURS, keys, cursor=forged)
    assert list(refused.value.errors) == ["cursor"]
    assert paginate(session, OURS, keys, cursor=encode_cursor([NOON, 5])).items == []
