"""The organisation's messages 消息: the page, and the unread count in the header.

Showing the page marks the messages on it read; the ones that were unread
until then stay highlighted on that showing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import g, render_template
from flask.blueprints import BlueprintSetupState

from portal.applicant.routes import applicant_only, bp
from portal.applications.notifications import NotificationService, message_of
from portal.core.extensions import db
from portal.core.paging import first_link, next_link, page_request
from portal.pages.display import page_locale
from portal.pages.viewhelpers import current_actor


def notification_message(kind: str, params: Mapping[str, Any] | None) -> str:
    """The message of a notification in the page language, as its process worded it."""
    return message_of(params, page_locale()) or kind


def unread_notifications() -> int:
    """Unread messages of the signed-in applicant's organisation, counted once per request."""
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = NotificationService(db.session).unread_count(current_actor())
        except sa.exc.SQLAlchemyError:
            # The header also tops error pages, which must render with the database down.
            db.session.rollback()
            g.unread_notifications = 0
    return int(g.unread_notifications)


@bp.record_once
def _template_helpers(state: BlueprintSetupState) -> None:
    # Globals rather than context: imported macros (the history timeline) see them too.
    state.app.jinja_env.globals.update(
        notification_message=notification_message, unread_notifications=unread_notifications
    )


@bp.get("/notifications")
@applicant_only
def notifications() -> str:
    """A page of the organisation's messages, newest first (``?cursor=``,
    ``?limit=``); showing them marks them read.

    :raise 422: a malformed ``limit`` or ``cursor``.
    """
    actor = current_actor()
    asked = page_request()
    service = NotificationService(db.session)
    page = service.for_actor(actor, cursor=asked.cursor, limit=asked.limit)
    unread = {n.id for n in page.items if n.read_at is None}
    service.mark_shown_read(actor, unread)
    return render_template(
        "applicant/notifications.html",
        notifications=page.items,
        unread_ids=unread,
        next_url=next_link(page),
        first_url=first_link(),
    )
