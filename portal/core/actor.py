"""Who is acting: the signed-in user as services see it."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import Role, User


@dataclass(frozen=True)
class Actor:
    """The user behind a request or a command, with what decides their access."""

    user_id: int
    username: str
    name: str
    role: Role
    scope: str
    organization_id: int | None
    ip: str | None = None

    @classmethod
    def of(cls, user: User, *, ip: str | None = None) -> Actor:
        return cls(
            user_id=user.id,
            username=user.username,
            name=user.display_name,
            role=Role(user.role),
            scope=user.scope,
            organization_id=user.organization_id,
            ip=ip,
        )

    @property
    def is_applicant(self) -> bool:
        return self.role is Role.APPLICANT

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def covers(self, division_code: str | None) -> bool:
        """Whether a division code lies inside this staff member's scope."""
        return division_code is not None and division_code.startswith(self.scope)
