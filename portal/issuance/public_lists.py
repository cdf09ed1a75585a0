"""Public lists 名单公示: organisations a process admitted (platforms admitted to a
voucher campaign, pilot enterprises), published for everyone to read."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.core import history
from portal.core.actor import Actor
from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.core.paging import DEFAULT_LIMIT, SortKey, decode_cursor, paginate
from portal.issuance.models import PublicListEntry

ORDER = (SortKey.asc(PublicListEntry.admitted_at), SortKey.asc(PublicListEntry.id))
"""Oldest admission first (the id breaks ties)."""


@dataclass(frozen=True)
class PublicList:
    """One page of a public list: its ``entries`` in the order of admission, the
    position of the first of them on the whole list (``first``, from 1) and the
    cursor of the next page (``after``, None on the last)."""

    key: str
    title: str
    title_en: str
    entries: list[PublicListEntry]
    first: int = 1
    after: str | None = None

    def title_in(self, locale: str | None) -> str:
        return self.title_en if (locale or "").startswith("en") else self.title


def add(
    session: Session,
    application: Application,
    *,
    list_key: str,
    title: str,
    title_en: str,
    certificate_number: str | None,
    actor: Actor | None = None,
) -> PublicListEntry:
    """Put the applicant organisation of ``application`` on list ``list_key``, inside
    the caller's transaction (flushed). Adding the same application again returns
    its entry unchanged."""
    existing = session.scalar(
        sa.select(PublicListEntry).where(
            PublicListEntry.list_key == list_key,
            PublicListEntry.application_id == application.id,
        )
    )
    if existing is not None:
        return existing
    entry = PublicListEntry(
        list_key=list_key,
        title=title,
        title_en=title_en,
        organization_id=application.organization_id,
        organization_name=application.organization.name,
        application_id=application.id,
        certificate_number=certificate_number,
    )
    session.add(entry)
    session.flush()
    history.record(
        session,
        actor,
        "public_list_entry_added",
        application_id=application.id,
        details={"list": list_key, "title": title},
    )
    return entry


def get(
    session: Session,
    list_key: str,
    *,
    declared: tuple[str, str] | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> PublicList:
    """A page of a public list, oldest admission first (public: anyone may read it),
    after ``cursor`` (a page's ``after``; None: the first page), ``limit`` entries.

    ``declared`` is the (Chinese, English) title a published process declares for the
    list: such a list exists, empty, before its first admission; another list is
    titled as its newest entry is. Two statements on the first page whatever its
    length (the page, the title), three on later ones (their first position too).

    :raise NotFound: no process declares this list and nothing was published on it.
    :raise Invalid: ``cursor`` is not a cursor of this list's order.
    """
    on_list = PublicListEntry.list_key == list_key
    page = paginate(
        session, sa.select(PublicListEntry).where(on_list), ORDER, cursor=cursor, limit=limit
    )
    first = 1
    if cursor:  # checked by paginate
        admitted_at, entry_id = decode_cursor(cursor, len(ORDER))
        earlier = sa.or_(
            PublicListEntry.admitted_at < admitted_at,
            sa.and_(PublicListEntry.admitted_at == admitted_at, PublicListEntry.id <= entry_id),
        )
        first += session.scalar(sa.select(sa.func.count()).where(on_list, earlier)) or 0
    if declared is not None:
        return PublicList(list_key, declared[0], declared[1], page.items, first, page.after)
    titles = session.execute(
        sa.select(PublicListEntry.title, PublicListEntry.title_en)
        .where(on_list)
        .order_by(PublicListEntry.admitted_at.desc(), PublicListEntry.id.desc())
        .limit(1)
    ).first()
    if titles is None:
        raise NotFound(N_("No public list has this name."))
    return PublicList(list_key, titles.title, titles.title_en, page.items, first, page.after)
