"""The applicant's pages: their applications, starting one, following it, withdrawing it.

Filling in an application is in :mod:`portal.applicant.editing`, the
organisation's other tasks (confirmations) in :mod:`portal.applicant.tasks`,
its messages in :mod:`portal.applicant.notifications`.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.applications.services import WITHDRAWABLE, ApplicationService
from portal.applications.tasks import TaskService
from portal.applications.views import application_view
from portal.core.errors import Conflict
from portal.core.extensions import db, processes
from portal.core.paging import first_link, next_link, page_request
from portal.pages.display import is_application_form_task, latest_reason
from portal.pages.viewhelpers import current_actor, roles_required

bp = Blueprint("applicant", __name__, url_prefix="/applicant")
applicant_only = roles_required(Role.APPLICANT)


@bp.get("/")
@applicant_only
def dashboard() -> str:
    """The organisation's open tasks 待办 (the first page: soonest due first), a
    page of its applications (newest first; ``?cursor=``, ``?limit=``) and the
    processes it may start.

    :raise 422: a malformed ``limit`` or ``cursor``.
    """
    actor = current_actor()
    asked = page_request()
    service = ApplicationService(db.session, processes.platform)
    tasks = TaskService(db.session, processes.platform).inbox_page(actor)
    applications = service.list(actor, cursor=asked.cursor, limit=asked.limit)
    return render_template(
        "applicant/dashboard.html",
        tasks=tasks.items,
        more_tasks=tasks.after is not None,
        applications=applications.items,
        next_url=next_link(applications),
        first_url=first_link(),
        startable=service.startable(actor),
    )


@bp.post("/new/<key>")
@applicant_only
def new(key: str) -> Response:
    """Create a draft of process ``key`` and open it for editing.

    :raise 404: not a process this organisation may start.
    """
    application = ApplicationService(db.session, processes.platform).create(
        current_actor(), key, {}
    )
    flash(gettext("A new application has been created. Fill it in and submit it."), "success")
    return redirect(url_for(".edit", application_id=application.id))


@bp.get("/applications/<uuid:application_id>")
@applicant_only
def application(application_id: uuid.UUID) -> str:
    """The progress page 受理状态: status, current steps with who holds them and
    their deadlines, what waits for the applicant, result, documents, history.

    :raise 404: not this organisation's application.
    """
    found = ApplicationService(db.session, processes.platform).get(current_actor(), application_id)
    view = application_view(db.session, found)
    return render_template(
        "applicant/application.html",
        application=found,
        view=view,
        definition=view.form,
        tasks=view.open_tasks,
        actions=[
            t
            for t in view.open_tasks
            if t.role == Role.APPLICANT and not is_application_form_task(t)
        ],
        documents=view.documents,
        history=view.history,
        steps=view.steps,
        reason=latest_reason(view.history),
        withdrawable=found.status in WITHDRAWABLE,
        certificates=view.certificates,
    )


@bp.get("/applications/<uuid:application_id>/withdraw")
@applicant_only
def confirm_withdraw(application_id: uuid.UUID) -> Response | str:
    """Ask before withdrawing (a page, so it works without JavaScript).

    :raise 404: not this organisation's application.
    """
    found = ApplicationService(db.session, processes.platform).get(current_actor(), application_id)
    if found.status not in WITHDRAWABLE:
        flash(gettext("A reviewer has already started on this application."), "error")
        return redirect(url_for(".application", application_id=found.id))
    return render_template("applicant/withdraw.html", application=found)


@bp.post("/applications/<uuid:application_id>/withdraw")
@applicant_only
def withdraw(application_id: uuid.UUID) -> Response:
    """Withdraw; refused (with a message) once a reviewer has started.

    :raise 404: not this organisation's application.
    """
    try:
        ApplicationService(db.session, processes.platform).withdraw(current_actor(), application_id)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
    else:
        flash(gettext("The application has been withdrawn."), "success")
    return redirect(url_for(".application", application_id=application_id))
