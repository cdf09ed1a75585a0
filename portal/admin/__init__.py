"""Pages of the admin area."""

from portal.admin import calendar  # noqa: F401 - adds the calendar pages to bp
from portal.admin.routes import bp

__all__ = ["bp"]
