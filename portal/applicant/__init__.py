"""Pages of the applicant area."""

from portal.applicant.routes import bp

__all__ = ["bp"]
