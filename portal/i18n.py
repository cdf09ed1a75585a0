"""Translation helpers usable outside a request.

Services raise errors and record history with English message ids marked by
:func:`N_`; the web layer translates them for the reader with Flask-Babel.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a no-op marker
    """Mark ``message`` for extraction without translating it here."""
    return message
