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
from portal.issuance.models import PublicListEntry


@dataclass(frozen=True)
class PublicList:
    key: str
    title: str
    title_en: str
    entries: list[PublicListEntry]

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


def get(session: Session, list_key: str, *, declared: tuple[str, str] | None = None) -> PublicList:
    """A public list with its entries, oldest admission first (public: anyone may read it).

    ``declared`` is the (Chinese, English) title a published process declares for the
    list: such a list exists, empty, before its first admission.

    :raise NotFound: no process declares this list and nothing was published on it.
    """
    entries = list(
        session.scalars(
            sa.select(PublicListEntry)
            .where(PublicListEntry.list_key == list_key)
            .order_by(PublicListEntry.admitted_at, PublicListEntry.id)
        )
    )
    if declared is not None:
        return PublicList(list_key, declared[0], declared[1], entries)
    if not entries:
        raise NotFound(N_("No public list has this name."))
    newest = entries[-1]
    return PublicList(list_key, newest.title, newest.title_en, entries)
