"""Announcements 公示 and public lists, open to everyone without signing in."""

from __future__ import annotations

from flask import render_template, request

from portal.applications.definitions import DefinitionService
from portal.core.extensions import db, processes
from portal.core.paging import Page, first_link, next_link, page_request
from portal.issuance import announcements, public_lists
from portal.public.routes import bp


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/announcements")
def announcement_list() -> str:
    """The announcements 公示, newest first."""
    number = max(_page_number(), 1)
    items, total = announcements.page(db.session, number)
    pages = max(1, -(-total // announcements.PER_PAGE))
    return render_template(
        "public/announcements.html", items=items, page=number, pages=pages, total=total
    )


@bp.get("/announcements/<int:announcement_id>")
def announcement(announcement_id: int) -> str:
    """One announcement.

    :raise 404: no such announcement.
    """
    return render_template(
        "public/announcement.html", announcement=announcements.get(db.session, announcement_id)
    )


@bp.get("/public-lists/<key>")
def public_list(key: str) -> str:
    """A public list 名单公示: the organisations a process admitted, with their
    certificates (each verifiable).

    A page at a time, by keyset (``?cursor=`` from the page's "next" link).

    :raise 404: no process declares this list and nothing was published on it.
    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request()
    declared = DefinitionService(db.session, processes.platform.registry).declared_public_list(key)
    found = public_lists.get(
        db.session, key, declared=declared, cursor=wanted.cursor, limit=wanted.limit
    )
    return render_template(
        "public/public_list.html",
        found=found,
        next_url=next_link(Page(found.entries, found.after)),
        first_url=first_link(),
    )
