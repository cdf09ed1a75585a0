"""The cast of the pilot enterprise admission (P8): an administrator who publishes
packages, Zhengzhou's district and city culture authorities, enterprises, and the
public."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask.testing import FlaskClient

from portal.accounts.models import OrgType, Role
from tests.helpers import Api, Factory

ZHENGZHOU = "4101"


@dataclass
class Zhengzhou:
    """Signed-in API clients of the people involved, made on first use."""

    api: Api
    factory: Factory
    public: FlaskClient
    """A client that does not sign in."""
    _district: dict[str, Api] = field(default_factory=dict)
    _admin: Api | None = None
    _city: Api | None = None

    @property
    def admin(self) -> Api:
        if self._admin is None:
            self._admin = self.staff(Role.ADMIN)
        return self._admin

    @property
    def city(self) -> Api:
        """The city_reviewer of Zhengzhou (市文化主管部门)."""
        if self._city is None:
            self._city = self.staff(Role.CITY_REVIEWER, ZHENGZHOU)
        return self._city

    def district(self, code: str) -> Api:
        """The district_reviewer of a district (辖区文化主管部门), by its 6-digit code."""
        if code not in self._district:
            self._district[code] = self.staff(Role.DISTRICT_REVIEWER, code)
        return self._district[code]

    def staff(self, role: Role, scope: str = "") -> Api:
        """A new staff member."""
        return self.api.as_user(self.factory.staff(role, scope))

    def enterprise(self, org_type: OrgType = OrgType.CULTURAL_ENTERPRISE) -> Api:
        """The applicant user of a new organisation."""
        return self.api.as_user(self.factory.applicant(org_type=org_type))
