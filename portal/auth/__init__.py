"""Pages of the auth area."""

from portal.auth.routes import bp

__all__ = ["bp"]
