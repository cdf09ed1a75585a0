"""Filling in an application: the edit page, its save and submit buttons.

The page is the application's form definition compiled with draft rules
(nothing required until submission). Dynamic lists grow and shrink without
JavaScript: the "add row" and "remove row" buttons submit the page, which comes
back with the values entered so far and one row more or less; nothing is saved
by them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from forms import FormDefinition, build_form_class, form_data, form_errors
from forms.fields import RowListField
from portal.applicant.routes import applicant_only, bp
from portal.applications.models import Application, ApplicationStatus
from portal.applications.services import ApplicationService
from portal.core.errors import Conflict, Invalid
from portal.core.extensions import db, processes
from portal.documents.files import store_chosen_files
from portal.documents.services import DocumentService
from portal.pages.display import latest_reason, page_locale
from portal.pages.viewhelpers import (
    PageForm,
    add_errors,
    attach_errors,
    current_actor,
    field_at,
    refused_keys,
    translate_errors,
)

_ROW_BUTTON = re.compile(r"(add_row|remove_row)-([A-Za-z][A-Za-z0-9_]*)(?:-(\d{1,6}))?")


def page_form_class(definition: FormDefinition, *, draft: bool = True) -> Any:
    return build_form_class(
        definition, base=PageForm, draft=draft, locale=page_locale(), with_files=True
    )


@bp.route("/applications/<uuid:application_id>/edit", methods=["GET", "POST"])
@applicant_only
def edit(application_id: uuid.UUID) -> Response | str:
    """Show, save or submit a draft or returned application.

    :raise 404: not this organisation's application.
    """
    service = ApplicationService(db.session, processes.platform)
    application = service.get(current_actor(), application_id)
    if not ApplicationStatus(application.status).is_editable:
        flash(gettext("This application can no longer be changed."), "warning")
        return redirect(url_for(".application", application_id=application.id))
    definition = service.application_form(application)
    form_class = page_form_class(definition)
    if request.method == "GET":
        return _render(service, application, form_class(data=application.data))
    form = form_class()
    button = next(filter(None, map(_ROW_BUTTON.fullmatch, request.form)), None)
    if button is not None:
        _change_rows(form, button)
        if any(f.filename for f in request.files.values()):
            flash(gettext("Chosen files are uploaded only by Save draft or Submit."), "info")
        return _render(service, application, form)
    form.validate()
    try:
        return _save(service, application, definition, form)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
        return redirect(url_for(".application", application_id=application.id))


def _save(
    service: ApplicationService,
    application: Application,
    definition: FormDefinition,
    form: Any,
) -> Response | str:
    """Keep everything the page brought that can be kept, then submit if asked.

    The fields that passed validation are saved as the draft and every
    accepted file is stored, even when other fields or files are refused, so
    nothing typed or uploaded is lost. When anything was refused the page comes
    back with every problem at once: the refused values and files and, for
    "submit", what the submission itself lacks (required fields and documents,
    the process's check).

    :raise Conflict: the application can no longer be changed.
    """
    actor = current_actor()
    saved = _save_valid_fields(service, application, form)
    # From the stored values, not their form-data spelling: inputs such as
    # datetime-local show only their own format ("2026-09-29T19:00", no offset).
    # A page with refused values shows them as typed, to be corrected.
    page = (
        form if refused_keys(form) else page_form_class(definition)(formdata=None, data=saved.data)
    )
    uploads = DocumentService(db.session, processes.platform)
    refused_files = store_chosen_files(
        definition,
        lambda slot, upload: uploads.upload_to_application(
            actor,
            application.id,
            slot_key=slot,
            filename=upload.filename or "",
            declared_type=upload.mimetype,
            stream=upload.stream,
        ),
    )
    attach_errors(page, refused_files)
    submitting = request.form.get("action") == "submit"
    if refused_keys(page) or page.form_errors:
        if submitting:
            add_errors(page, translate_errors(service.submission_problems(actor, application.id)))
            flash(
                gettext(
                    "The application was not submitted. What could be kept was saved as a "
                    "draft; correct the problems below."
                ),
                "error",
            )
        else:
            flash(
                gettext(
                    "What could be kept was saved as a draft, but some values or files "
                    "were not accepted. Correct the problems below."
                ),
                "warning",
            )
        return _render(service, saved, page)
    if not submitting:
        flash(gettext("Draft saved."), "success")
        return redirect(url_for(".edit", application_id=application.id))
    try:
        submitted = service.submit(actor, application.id)
    except Invalid as exc:
        attach_errors(page, translate_errors(exc.errors))
        flash(gettext("The application was not submitted. Correct the problems below."), "error")
        return _render(service, saved, page)
    flash(
        gettext(
            "Your application has been submitted. Acceptance number: %(number)s",
            number=submitted.number,
        ),
        "success",
    )
    return redirect(url_for(".application", application_id=application.id))


def _save_valid_fields(
    service: ApplicationService, application: Application, form: Any
) -> Application:
    """Save the fields of the validated ``form`` that show no error as the draft.

    A refused field keeps its stored value. Should the service refuse a value
    the form let through, that field gets the service's message and the others
    are saved without it. Returns the application as stored.

    :raise Conflict: the application can no longer be changed.
    """
    data = form_data(form)
    for _attempt in range(2):
        refused = refused_keys(form)
        kept = {key: value for key, value in data.items() if key not in refused}
        if not kept:
            break
        try:
            return service.update_data(current_actor(), application.id, kept)
        except Invalid as exc:
            attach_errors(form, translate_errors(exc.errors))
    return application


def _submitted_rows(formdata: MultiDict[str, Any], key: str) -> int:
    prefix = f"{key}-"
    heads = {k[len(prefix) :].split("-", 1)[0] for k in formdata if k.startswith(prefix)}
    return sum(1 for head in heads if head.isdigit())


def _change_rows(form: Any, button: re.Match[str]) -> None:
    """Add or remove a row of a dynamic list, keeping what was typed so far."""
    action, key, index = button.group(1), button.group(2), button.group(3)
    if key not in form or not isinstance(form[key], RowListField):
        return
    field = form[key]
    rows = _submitted_rows(request.form, key)
    if action == "remove_row" and index is not None:
        field.entries = [entry for entry in field.entries if entry.index != int(index)]
        rows -= 1
    # Rows left blank are not data, but the reader still expects to see them.
    while len(field.entries) < rows:
        field.append_entry()
    if action == "add_row" and len(field.entries) < field.max_rows:
        field.append_entry()


def _render(service: ApplicationService, application: Application, form: Any) -> str:
    definition = service.application_form(application)
    for field in form:
        # A list shows at least its minimum rows, blank ones to fill in.
        while isinstance(field, RowListField) and len(field.entries) < field.min_entries:
            field.append_entry()
    current = {d.slot: d for d in service.documents(application) if d.task_id is None}
    events = service.history(application)
    returned = application.status == ApplicationStatus.RETURNED
    return render_template(
        "applicant/edit.html",
        application=application,
        definition=definition,
        form=form,
        current_documents=current,
        reason=latest_reason(events) if returned else None,
        problems=_problem_list(form),
        slot_links=_slot_links(application),
    )


def _slot_links(application: Application) -> dict[str, dict[str, str | None]]:
    """Downloads a process offers beside its slots (a letter to sign, pre-filled)."""
    links = processes.platform.registry.slot_links.get(application.process_key)
    return links(application) if links is not None else {}


def _problem_list(form: Any) -> list[tuple[str, str, str]]:
    """Every error on the page as (where, message, field id) for the summary box."""
    problems = []
    for path, messages in form_errors(form).items():
        field = field_at(form, path.split("."))
        label = _path_label(form, path)
        for message in messages:
            problems.append((label, message, field.id if field is not None else ""))
    return problems


def _path_label(form: Any, path: str) -> str:
    parts = path.split(".")
    if parts[0] not in form:
        return ""
    top = form[parts[0]]
    if len(parts) < 3:  # noqa: PLR2004
        return str(top.label.text)
    row = next((n for n, e in enumerate(top.entries, 1) if str(e.index) == parts[1]), None)
    child = field_at(form, parts)
    child_label = str(child.label.text) if child is not None else parts[2]
    return gettext(
        "%(list)s, row %(row)s: %(field)s", list=top.label.text, row=row or "", field=child_label
    )
