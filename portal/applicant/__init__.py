"""Pages of the applicant area."""

# These modules add their pages to bp.
from portal.applicant import certificates, editing, notifications, tasks  # noqa: F401
from portal.applicant.routes import bp

__all__ = ["bp"]
