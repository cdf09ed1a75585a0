"""The administrator's forms: a new process version, a year of the working calendar."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired

from portal.pages.viewhelpers import PageForm


class PublishForm(PageForm):
    bpmn = FileField(
        lazy_gettext("BPMN file"),
        validators=[FileRequired(message=lazy_gettext("Choose the BPMN file to publish."))],
        description=lazy_gettext("A BPMN 2.0 XML file exported from the process modeller."),
        render_kw={"accept": ".bpmn,.xml"},
    )
    forms = MultipleFileField(
        lazy_gettext("Form definitions (optional)"),
        description=lazy_gettext(
            "form-js JSON files for forms the process uses that the portal does not ship."
        ),
        render_kw={"accept": ".json"},
    )
    manifest = FileField(
        lazy_gettext("Manifest (optional)"),
        validators=[FileAllowed(["json"], lazy_gettext("Choose a .json file."))],
        description=lazy_gettext(
            "The package's manifest.json: names, result labels, messages, certificate "
            "types, quotas and public lists."
        ),
        render_kw={"accept": ".json"},
    )


class CalendarForm(PageForm):
    """A year's official holiday arrangement, as the State Council publishes it."""

    year = IntegerField(
        lazy_gettext("Year"),
        validators=[InputRequired(message=lazy_gettext("Enter the year."))],
        render_kw={"inputmode": "numeric"},
    )
    holidays = TextAreaField(
        lazy_gettext("Holidays"),
        description=lazy_gettext(
            "One day or range per line with the holiday's name, for example "
            "2027-10-01..2027-10-07 国庆节. List every day off, weekends inside a "
            "holiday period included."
        ),
        render_kw={"rows": 12, "spellcheck": "false"},
    )
    workdays = TextAreaField(
        lazy_gettext("Make-up working days"),
        description=lazy_gettext(
            "Saturdays and Sundays that are working days 调休上班, one per line, for "
            "example 2027-09-26. Lines starting with # are ignored."
        ),
        render_kw={"rows": 4, "spellcheck": "false"},
    )
    note = TextAreaField(
        lazy_gettext("Note (optional)"),
        description=lazy_gettext("For example the number and date of the State Council notice."),
        render_kw={"rows": 2},
    )
    allow_missing_statutory = BooleanField(
        lazy_gettext("Save even if statutory holidays are missing (only after a change of the law)")
    )
