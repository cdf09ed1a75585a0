"""Organisations, users, API tokens; the organisation types and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, enum_type, utcnow


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


class Organization(Base):
    """An enterprise that applies: vendor, agent, cinema, ..."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    org_type: Mapped[OrgType] = mapped_column(enum_type(OrgType, 32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organization")


class User(Base):
    """A person who signs in: an enterprise user, a reviewer or an administrator.

    ``scope`` is a normalised GB/T 2260 prefix: ``""`` nationwide, ``"43"`` a
    province, ``"4301"`` a city, ``"430102"`` a county. Applicants have an
    organisation instead.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(100))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    """Where the organisation's messages are e-mailed (applicants; optional)."""
    role: Mapped[Role] = mapped_column(enum_type(Role, 32))
    scope: Mapped[str] = mapped_column(sa.String(6), default="")
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Raised when the user signs out: every session signed for an earlier value ends.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    organization: Mapped[Organization | None] = relationship(back_populates="users")

    # The interface Flask-Login expects, without importing Flask here.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session (and a remember-me cookie) keeps: ``"<id>:<session_epoch>"``.

        A session signed before the epoch was raised names an old epoch, and
        :func:`parse_session_id` callers refuse it.
        """
        return f"{self.id}:{self.session_epoch}"


def parse_session_id(value: str) -> tuple[int, int] | None:
    """The user id and session epoch of a value made by :meth:`User.get_id`, else None."""
    user_id, sep, epoch = value.partition(":")
    if not sep or not user_id.isdigit() or not epoch.isdigit():
        return None
    return int(user_id), int(epoch)


class ApiToken(Base):
    """A bearer token for programs. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
