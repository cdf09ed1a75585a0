"""The portal's persistent data. Import models from here."""

from portal.models.accounts import ApiToken, Organization, User
from portal.models.audit import AuditEvent
from portal.models.calendar import CalendarDay, CalendarSource, CalendarYear
from portal.models.certificates import Announcement, Certificate, SoftwareFiling
from portal.models.documents import Document
from portal.models.enums import (
    ApplicationStatus,
    CertificateState,
    CinemaStatus,
    FilingState,
    OrgType,
    Role,
    TaskState,
    TimerState,
)
from portal.models.processes import Application, ProcessDefinition, Task
from portal.models.registry import Cinema, Counter
from portal.models.timers import Notification, Timer

__all__ = [
    "Announcement",
    "ApiToken",
    "Application",
    "ApplicationStatus",
    "AuditEvent",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "Certificate",
    "CertificateState",
    "Cinema",
    "CinemaStatus",
    "Counter",
    "Document",
    "FilingState",
    "Notification",
    "OrgType",
    "Organization",
    "ProcessDefinition",
    "Role",
    "SoftwareFiling",
    "Task",
    "TaskState",
    "Timer",
    "TimerState",
    "User",
]
