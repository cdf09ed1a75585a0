"""Pages of the review area."""

from portal.review.routes import bp

__all__ = ["bp"]
