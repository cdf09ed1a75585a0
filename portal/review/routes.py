"""The reviewers' pages: the inbox 待办任务 with the escalated tasks 逾期督办 they
follow, the task page with its decision form, and the read-only supervision
page of an escalated task."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from forms import FormDefinition, build_form_class, form_data
from portal.applications.models import Task, TaskState
from portal.applications.progress import changes_since_return, time_limits
from portal.applications.tasks import INBOX_LIMIT, InboxPage, InboxQuery, InboxTab, TaskService
from portal.applications.views import application_view
from portal.core.errors import Conflict, Invalid
from portal.core.extensions import db, processes
from portal.core.paging import Page, first_link, next_link, page_request
from portal.documents.files import store_task_files
from portal.pages.display import page_locale
from portal.pages.viewhelpers import (
    STAFF_ROLES,
    PageForm,
    add_errors,
    attach_errors,
    current_actor,
    current_slots,
    refused_keys,
    roles_required,
    translate_errors,
)
from portal.review.inbox import parse_query

bp = Blueprint("review", __name__, url_prefix="/review")
staff_only = roles_required(*STAFF_ROLES)


def decision_form_class(definition: FormDefinition) -> Any:
    return build_form_class(definition, base=PageForm, locale=page_locale(), with_files=True)


@bp.get("/")
@staff_only
def inbox() -> tuple[str, int]:
    """The inbox tabs 待办 (open tasks the reviewer can act on, soonest due first,
    then newest), 已办 (tasks the reviewer completed) and 逾期 (overdue tasks, with
    the escalated ones the reviewer follows: national reviewers every province's),
    searched by acceptance number, applicant and submission days, a page at a
    time (``?cursor=`` from the next-page link, ``?limit=``).

    :raise 400: a parameter is malformed, the cursor too (the page says which;
        nothing is listed).
    """
    query, problems = parse_query(request.args)
    try:
        asked = page_request(INBOX_LIMIT)
    except Invalid as exc:
        problems.update(_first_messages(exc))
    else:
        query = replace(query, cursor=asked.cursor, limit=asked.limit)
    if problems:
        return _inbox_page(query, None, problems), 400
    try:
        found = TaskService(db.session, processes.platform).search(current_actor(), query)
    except Invalid as exc:
        return _inbox_page(query, None, _first_messages(exc)), 400
    return _inbox_page(query, found, {}), 200


def _first_messages(exc: Invalid) -> dict[str, str]:
    return {key: messages[0] for key, messages in exc.errors.items() if messages}


def _inbox_page(query: InboxQuery, found: InboxPage | None, problems: dict[str, str]) -> str:
    """The inbox page: one statement per part, whatever the page holds (tasks
    with their applications and applicants, the page's definitions, its time
    limits, its resubmissions, the tab counts, the escalated tasks followed)."""
    service = TaskService(db.session, processes.platform)
    actor = current_actor()
    tasks = found.tasks if found is not None else []
    ids = {t.id for t in tasks}
    # The open tab lists exactly the tasks the reviewer can act on.
    actionable = frozenset(ids) if query.tab is InboxTab.OPEN else service.actionable(actor, ids)
    counts = service.tab_counts(actor)
    # The open tab also shows the first escalated tasks the reviewer follows (督办);
    # the overdue tab lists them all.
    escalated = (
        service.escalated(actor, limit=INBOX_LIMIT)
        if query.tab is InboxTab.OPEN
        else Page([], None)
    )
    return render_template(
        "review/inbox.html",
        query=query,
        found=found,
        tasks=tasks,
        total=service.count(actor, query) if query.filtered else counts[query.tab],
        next_url=next_link(found.page) if found is not None else None,
        first_url=first_link(),
        limits=time_limits(db.session, tasks),
        actionable=actionable,
        problems={key: gettext(message) for key, message in problems.items()},
        counts=counts,
        count_cap=service.count_cap,
        escalated=escalated.items,
        escalated_total=(
            service.escalated_count(actor) if escalated.after else len(escalated.items)
        ),
        more_escalated=escalated.after is not None,
        escalated_actionable=service.actionable(actor, {t.id for t in escalated.items}),
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
    form.validate()
    try:
        # The accepted files are kept even when something else is refused, and
        # every problem is listed at once: the refused values and files with
        # what the task itself still lacks (a report file, its check).
        attach_errors(form, store_task_files(actor, found.id, definition))
        data = form_data(form)
        if refused_keys(form) or form.form_errors:
            add_errors(form, translate_errors(service.problems(actor, task_id, data)))
            return _render(found, form)
        service.complete(actor, task_id, data)
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
        current_documents=current_slots(view.documents, task),
        can_claim=is_open and task.assignee_id is None,
        can_decide=is_open and task.assignee_id in (None, actor.user_id),
        changes=changes_since_return(view.form, view.history, view.documents),
    )
