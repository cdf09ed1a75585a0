"""Pages of the applicant area."""

from portal.applicant import editing  # noqa: F401 - adds the edit page to bp
from portal.applicant.routes import bp

__all__ = ["bp"]
