"""Public registers and announcements 公示, open to everyone without signing in:
the register of filed ticketing software (searchable) and the announcements."""

from __future__ import annotations

from flask import render_template, request

from portal.core.extensions import db
from portal.issuance import announcements
from portal.processes.software_filing import public_register as software_register
from portal.public.routes import bp


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/register/software")
def software() -> str:
    """Filed ticketing software: product, vendor, filing number, validity, live status
    and package digests, searchable by product, vendor or filing number (``?q=``)."""
    found = software_register.search(db.session, request.args.get("q", ""), _page_number())
    return render_template("public/software_register.html", found=found)


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
