"""Marking messages for translation without translating them here.

Messages kept in variables reach ``field.gettext`` later; wrapping their
literals in :func:`N_` lets the portal's message extraction find them.
"""


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a no-op marker
    """Return ``message`` unchanged; only marks it for extraction."""
    return message
