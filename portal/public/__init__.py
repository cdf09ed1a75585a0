"""Public pages: the home page, the language switch, document downloads, and the
verification of certificates."""

from portal.public import verify  # noqa: F401 - adds the verification pages to bp
from portal.public.routes import bp

__all__ = ["bp"]
