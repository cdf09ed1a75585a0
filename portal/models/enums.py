"""Enumerations shared by models, services and views."""

from __future__ import annotations

from enum import StrEnum


class OrgType(StrEnum):
    TICKETING_VENDOR = "ticketing_vendor"
    TICKET_AGENT = "ticket_agent"
    CINEMA = "cinema"
    INTERNET_CULTURE = "internet_culture"
    PAYMENT_PLATFORM = "payment_platform"
    CULTURAL_ENTERPRISE = "cultural_enterprise"


class Role(StrEnum):
    APPLICANT = "applicant"
    COUNTY_REVIEWER = "county_reviewer"
    PROVINCIAL_REVIEWER = "provincial_reviewer"
    NATIONAL_REVIEWER = "national_reviewer"
    TESTING_INSTITUTE = "testing_institute"
    CULTURE_REVIEWER = "culture_reviewer"
    UNION_REVIEWER = "union_reviewer"
    FILM_BUREAU_REVIEWER = "film_bureau_reviewer"
    ASSOCIATION_REVIEWER = "association_reviewer"
    DISTRICT_REVIEWER = "district_reviewer"
    CITY_REVIEWER = "city_reviewer"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self not in (Role.APPLICANT,)

    @property
    def scope_digits(self) -> int | None:
        """How many leading digits of a division code make this role's scope.

        ``0`` is nationwide, ``None`` means the scope is an organisation.
        """
        return _SCOPE_DIGITS[self]


_SCOPE_DIGITS: dict[Role, int | None] = {
    Role.APPLICANT: None,
    Role.COUNTY_REVIEWER: 6,
    Role.DISTRICT_REVIEWER: 6,
    Role.CITY_REVIEWER: 4,
    Role.PROVINCIAL_REVIEWER: 2,
    Role.CULTURE_REVIEWER: 2,
    Role.UNION_REVIEWER: 2,
    Role.FILM_BUREAU_REVIEWER: 2,
    Role.ASSOCIATION_REVIEWER: 2,
    Role.NATIONAL_REVIEWER: 0,
    Role.TESTING_INSTITUTE: 0,
    Role.ADMIN: 0,
}


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_editable(self) -> bool:
        return self in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


FINAL_STATUSES = frozenset(
    {
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.LAPSED,
    }
)


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TimerState(StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class CinemaStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class CertificateState(StrEnum):
    """What happened to a certificate; whether it has expired is read from its dates."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class FilingState(StrEnum):
    """An entry of the register of filed software; lapsing is read from its dates."""

    FILED = "filed"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
