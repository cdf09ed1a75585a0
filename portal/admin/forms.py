"""The administrator's upload form for a new process version."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf.file import FileField, FileRequired, MultipleFileField

from portal.viewhelpers import PageForm


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
