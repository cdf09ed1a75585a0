"""Public announcements 公示: what the portal makes known to everyone (a product
filed, a filing revoked, a three-year review passed)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portal.core import history
from portal.core.actor import Actor
from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.core.paging import DEFAULT_LIMIT, Page, SortKey, paginate
from portal.issuance.models import Announcement, Certificate

MAX_TITLE = 300
PER_PAGE = 20


def publish(
    session: Session,
    *,
    kind: str,
    title: str,
    body: str,
    application_id: uuid.UUID | None = None,
    certificate: Certificate | None = None,
    actor: Actor | None = None,
) -> Announcement:
    """Publish an announcement at once, inside the caller's transaction (flushed).

    ``kind`` is a short machine word (``software_filed``, ``filing_revoked``);
    ``title`` and ``body`` are shown as written (Chinese, plain text).
    Records ``announcement_published`` in the application's history.

    :raise ValueError: ``kind``, ``title`` or ``body`` is blank, or the title
        is longer than 300 characters.
    """
    if not kind.strip() or not title.strip() or not body.strip():
        raise ValueError("an announcement needs a kind, a title and a body")
    if len(title) > MAX_TITLE:
        raise ValueError("an announcement's title has at most 300 characters")
    announcement = Announcement(
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        application_id=application_id,
        certificate_id=certificate.id if certificate is not None else None,
    )
    session.add(announcement)
    session.flush()
    history.record(
        session,
        actor,
        "announcement_published",
        application_id=application_id,
        details={"kind": kind, "title": announcement.title},
    )
    return announcement


def latest(session: Session, *, kind: str | None = None, limit: int = 50) -> list[Announcement]:
    """The newest announcements (of ``kind`` when given), newest first."""
    query = sa.select(Announcement).order_by(
        Announcement.published_at.desc(), Announcement.id.desc()
    )
    if kind is not None:
        query = query.where(Announcement.kind == kind)
    return list(session.scalars(query.limit(limit)))


def page(
    session: Session, number: int = 1, per_page: int = PER_PAGE
) -> tuple[list[Announcement], int]:
    """One page of announcements, newest first, and how many there are in all.

    A page below 1 is the first page; a page past the last is empty.
    """
    number = max(number, 1)
    total = session.scalar(sa.select(sa.func.count(Announcement.id))) or 0
    items = session.scalars(
        sa.select(Announcement)
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), int(total)


ORDER = (SortKey.desc(Announcement.published_at), SortKey.desc(Announcement.id))
"""Newest first (the id breaks ties)."""


def keyset_page(
    session: Session, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Announcement]:
    """A page of announcements, newest first, after ``cursor`` (a page's ``after``),
    each with its certificate's number: one statement whatever the page's length.

    :raise Invalid: ``cursor`` is not a cursor of this order.
    """
    query = sa.select(Announcement).options(
        joinedload(Announcement.certificate).load_only(Certificate.number)
    )
    return paginate(session, query, ORDER, cursor=cursor, limit=limit)


def get(session: Session, announcement_id: int) -> Announcement:
    """One announcement (public: anyone may read it), with its certificate.

    :raise NotFound: no such announcement.
    """
    announcement = session.scalar(
        sa.select(Announcement)
        .options(joinedload(Announcement.certificate))
        .where(Announcement.id == announcement_id)
    )
    if announcement is None:
        raise NotFound(N_("No announcement has this number."))
    return announcement
