"""The organisation's own tasks other than the application form, e.g. confirming
that an approved refund or backfill was carried out 确认已完成操作.

The application form's tasks (fill in, correct) are done on the edit page;
their task links lead there.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from forms import FormDefinition, build_form_class, form_data
from portal.applicant.routes import applicant_only, bp
from portal.applications.models import ApplicationStatus, Task, TaskState
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.errors import Conflict, Invalid
from portal.core.extensions import db, processes
from portal.documents.files import store_task_files
from portal.pages.display import is_application_form_task, page_locale
from portal.pages.viewhelpers import (
    PageForm,
    add_errors,
    attach_errors,
    current_actor,
    current_slots,
    refused_keys,
    translate_errors,
)


def task_form_class(definition: FormDefinition) -> Any:
    return build_form_class(definition, base=PageForm, locale=page_locale(), with_files=True)


@bp.route("/tasks/<uuid:task_id>", methods=["GET", "POST"])
@applicant_only
def task(task_id: uuid.UUID) -> Response | str:
    """Show one of the organisation's tasks with its form, or complete it.

    A task that is closed (done, or lapsed with its window) sends the reader
    back to the progress page with a message saying why.

    :raise 404: not a task of this organisation.
    """
    service = TaskService(db.session, processes.platform)
    actor = current_actor()
    found = service.get(actor, task_id)
    if is_application_form_task(found):
        return redirect(url_for(".edit", application_id=found.application_id))
    if found.state != TaskState.OPEN:
        return _closed(found)
    form_class = task_form_class(service.form(found))
    if request.method == "GET":
        return _render(found, form_class(formdata=None))
    return _complete(service, found, form_class())


def _complete(service: TaskService, task: Task, form: Any) -> Response | str:
    """Store the chosen files and complete ``task`` with ``form``'s data.

    The accepted files are stored even when a value or another file is
    refused, so they need not be chosen again; the page then lists every
    problem at once, the task's own (a required document still missing, its
    check) with those of what was typed.
    """
    actor = current_actor()
    form.validate()
    try:
        attach_errors(form, store_task_files(actor, task.id, service.form(task)))
        data = form_data(form)
        if refused_keys(form) or form.form_errors:
            add_errors(form, translate_errors(service.problems(actor, task.id, data)))
            return _render(task, form)
        service.complete(actor, task.id, data)
    except Invalid as exc:
        attach_errors(form, translate_errors(exc.errors))
        return _render(task, form)
    except Conflict as exc:
        db.session.refresh(task)
        if task.state != TaskState.OPEN:
            return _closed(task)
        flash(gettext(exc.message), "error")
    else:
        flash(gettext("Done: this step is completed."), "success")
    return redirect(url_for(".application", application_id=task.application_id))


def _closed(task: Task) -> Response:
    """Back to the progress page, saying why the task can no longer be done."""
    db.session.refresh(task.application)
    if task.application.status == ApplicationStatus.LAPSED:
        flash(
            gettext(
                "The time allowed for this step has passed and the approval has lapsed. "
                "Apply again if the operation is still needed."
            ),
            "error",
        )
    else:
        flash(gettext("This step is already closed."), "info")
    return redirect(url_for(".application", application_id=task.application_id))


def _render(task: Task, form: Any) -> str:
    return render_template(
        "applicant/task.html",
        task=task,
        application=task.application,
        form=form,
        form_definition=TaskService(db.session, processes.platform).form(task),
        current_documents=current_slots(
            ApplicationService(db.session, processes.platform).documents(task.application), task
        ),
    )
