"""Public pages: the home page, the language switch, and document downloads."""

from portal.public.routes import bp

__all__ = ["bp"]
