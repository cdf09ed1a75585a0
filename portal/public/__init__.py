"""Public pages: the home page, the language switch, document downloads, the
verification of certificates, the progress lookup, the public registers and the
announcements."""

from portal.public import progress, registers, verify  # noqa: F401 - add their pages to bp
from portal.public.routes import bp

__all__ = ["bp"]
