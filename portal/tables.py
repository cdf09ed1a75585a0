"""Every table: the platform's and those of the process folders.

Alembic and the schema-drift check import this module so that the metadata
holds every table; the application itself imports models where it uses them.
"""

from portal.accounts import models as accounts
from portal.applications import models as applications
from portal.calendar import models as calendar
from portal.cinemas import models as cinemas
from portal.core import models as core
from portal.core.db import Base
from portal.documents import models as documents
from portal.issuance import models as issuance
from portal.mail import models as mail
from portal.processes import load_models

load_models()
metadata = Base.metadata

__all__ = [
    "accounts",
    "applications",
    "calendar",
    "cinemas",
    "core",
    "documents",
    "issuance",
    "mail",
    "metadata",
]
