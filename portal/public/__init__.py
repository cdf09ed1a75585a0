"""Public pages: the home page and what anyone may read without signing in."""

from portal.public.routes import bp

__all__ = ["bp"]
