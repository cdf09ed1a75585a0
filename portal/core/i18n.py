"""Translation helpers shared by services, forms and pages.

Services raise errors and record history with English message ids marked by
:func:`N_`; the web layer translates them for the reader with Flask-Babel.
Validation messages are translated where they are made, through
:class:`Translations` (the portal's catalogue, then WTForms' own).
"""

from __future__ import annotations

from typing import Any

import wtforms
from flask import has_request_context
from flask_babel import get_translations
from flask_wtf.i18n import translations as wtforms_translations


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a no-op marker
    """Mark ``message`` for extraction without translating it here."""
    return message


class Translations:
    """The portal's catalogue first, then WTForms' own for its built-in messages.

    Outside a request (commands, the scheduler) messages stay English.
    """

    def gettext(self, string: str) -> str:
        if not has_request_context():
            return string
        translated = str(get_translations().gettext(string))
        return translated if translated != string else str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if not has_request_context():
            return singular if n == 1 else plural
        translated = str(get_translations().ngettext(singular, plural, n))
        if translated not in (singular, plural):
            return translated
        return str(wtforms_translations.ngettext(singular, plural, n))


class TranslatedForm(wtforms.Form):
    """Base of the forms services validate with: messages in the reader's language."""

    class Meta:
        def get_translations(self, form: Any) -> Translations:
            return Translations()
