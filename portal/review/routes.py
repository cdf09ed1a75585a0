"""The reviewers' pages: the inbox 待办任务 with the escalated tasks 逾期督办 they
follow, the task page with its decision form, and the read-only supervision
page of an escalated task."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from forms import FormDefinition, build_form_class, form_data
from portal.applications.models import Task, TaskState
from portal.applications.tasks import TaskService
from portal.applications.views import application_view
from portal.core.errors import Conflict, Invalid
from portal.core.extensions import db, processes
from portal.documents.files import store_task_files
from portal.pages.display import page_locale
from portal.pages.viewhelpers import (
    STAFF_ROLES,
    PageForm,
    attach_errors,
    current_actor,
    roles_required,
    translate_errors,
)

bp = Blueprint("review", __name__, url_prefix="/review")
staff_only = roles_required(*STAFF_ROLES)


def decision_form_class(definition: FormDefinition) -> Any:
    return build_form_class(definition, base=PageForm, locale=page_locale(), with_files=True)


@bp.get("/")
@staff_only
def inbox() -> str:
    """Open tasks the reviewer can act on, soonest due first, then newest; and the
    overdue, escalated tasks the reviewer follows (national reviewers: every province's)."""
    service = TaskService(db.session, processes.platform)
    actor = current_actor()
    tasks = service.inbox(actor)
    return render_template(
        "review/inbox.html",
        tasks=tasks,
        escalated=service.escalated(actor),
        actionable={t.id for t in tasks},
    )


@bp.get("/tasks/<uuid:task_id>")
@staff_only
def task(task_id: uuid.UUID) -> str:
    """The application under review, its documents and history, and the decision form.

    :raise 404: unknown task or outside the reviewer's scope.
    """
    service = TaskService(db.session, processes.platform)
    found = service.get(current_actor(), task_id)
    return _render(found, decision_form_class(service.form(found))(formdata=None))


@bp.post("/tasks/<uuid:task_id>/claim")
@staff_only
def claim(task_id: uuid.UUID) -> Response:
    """Take the task so that nobody else works on it.

    :raise 404: unknown task or outside the reviewer's scope.
    """
    try:
        TaskService(db.session, processes.platform).claim(current_actor(), task_id)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
    else:
        flash(gettext("You have claimed this task."), "success")
    return redirect(url_for(".task", task_id=task_id))


@bp.post("/tasks/<uuid:task_id>/complete")
@staff_only
def complete(task_id: uuid.UUID) -> Response | str:
    """Record the decision and advance the process; back to the inbox when done.

    :raise 404: unknown task or outside the reviewer's scope.
    """
    service = TaskService(db.session, processes.platform)
    actor = current_actor()
    found = service.get(actor, task_id)
    definition = service.form(found)
    form = decision_form_class(definition)()
    if not form.validate():
        return _render(found, form)
    try:
        refused = store_task_files(actor, found.id, definition)
        if refused:
            attach_errors(form, refused)
            return _render(found, form)
        service.complete(actor, task_id, form_data(form))
    except Invalid as exc:
        attach_errors(form, translate_errors(exc.errors))
        return _render(found, form)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
        return redirect(url_for(".inbox"))
    flash(gettext("The task is completed."), "success")
    return redirect(url_for(".inbox"))


@bp.get("/escalations/<uuid:task_id>")
@staff_only
def escalation(task_id: uuid.UUID) -> str:
    """An escalated task read-only: its deadline, the application, documents and
    history, without a decision form (督办: following, not deciding).

    :raise 404: unknown, not escalated, or not one the reviewer follows.
    """
    found = TaskService(db.session, processes.platform).supervised(current_actor(), task_id)
    view = application_view(db.session, found.application)
    return render_template(
        "review/escalation.html",
        task=found,
        application=found.application,
        view=view,
        definition=view.form,
        documents=view.documents,
        history=view.history,
        open_tasks=view.open_tasks,
    )


def _render(task: Task, form: Any) -> str:
    application = task.application
    actor = current_actor()
    is_open = task.state == TaskState.OPEN
    view = application_view(db.session, application)
    return render_template(
        "review/task.html",
        task=task,
        application=application,
        view=view,
        definition=view.form,
        documents=view.documents,
        history=view.history,
        steps=view.steps,
        certificates=view.certificates,
        form=form,
        form_definition=TaskService(db.session, processes.platform).form(task),
        can_claim=is_open and task.assignee_id is None,
        can_decide=is_open and task.assignee_id in (None, actor.user_id),
    )
