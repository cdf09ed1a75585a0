"""Administration of the working calendar: known and provisional years, entering a year."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.admin.forms import CalendarForm
from portal.admin.routes import admin_only, bp
from portal.applications.timers import year_hooks
from portal.calendar.arrangement import CalendarInvalid, format_days
from portal.calendar.services import CalendarService
from portal.calendar.workdays import FIRST_YEAR, LAST_YEAR
from portal.core.clock import china_today
from portal.core.extensions import db, processes
from portal.pages.viewhelpers import attach_errors, current_actor


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar() -> Response | str:
    """Every known year, one year's holidays and make-up days, and the form to enter a year.

    ``?year=`` chooses the year shown (default: next year); the form starts
    with that year's stored days, or its statutory holidays if not entered yet.
    A refused entry shows every problem beside its field.

    :raise 404: ``year`` before 2004 or after 2099.
    """
    service = CalendarService(db.session, on_year_entered=year_hooks(processes.platform))
    form = CalendarForm()
    if form.validate_on_submit():
        try:
            record = service.enter_year_text(
                current_actor(),
                form.year.data,
                form.holidays.data or "",
                form.workdays.data or "",
                form.note.data or "",
                allow_missing_statutory=bool(form.allow_missing_statutory.data),
            )
        except CalendarInvalid as exc:
            attach_errors(form, exc.translated(gettext))
        else:
            flash(gettext("Saved the working calendar of %(year)s.", year=record.year), "success")
            return redirect(url_for(".calendar", year=record.year))
    arrangement = service.arrangement(_shown_year(form))
    if not form.is_submitted():
        form.year.data = arrangement.year
        form.holidays.data = format_days(arrangement.holidays)
        form.workdays.data = format_days(arrangement.workdays)
        form.note.data = arrangement.record.note if arrangement.record else ""
    return render_template(
        "admin/calendar.html",
        form=form,
        arrangement=arrangement,
        years=list(reversed(service.years())),
        provisional_years=service.provisional_years(),
    )


def _shown_year(form: CalendarForm) -> int:
    """The year the page shows: the one entered, else ``?year=``, else next year."""
    default = china_today().year + 1
    if form.is_submitted():
        year = form.year.data
        return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else default
    return request.args.get("year", default, type=int)
