"""Demo data: organisations, a user of every role, and sample applications.

Loaded by ``flask --app wsgi seed-demo`` (and ``make run``). Idempotent: what
exists is left alone. Every demo account shares :data:`DEMO_PASSWORD`, so
the command refuses to run in production.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType, Role, User
from portal.accounts.services import AccountService, Registration
from portal.applications.definitions import DefinitionService, data_packages
from portal.applications.models import Application
from portal.applications.registry import Platform
from portal.core.actor import Actor
from portal.documents.services import DocumentService

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - published in the README, refused in production


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    role: Role
    scope: str = ""


@dataclass(frozen=True)
class DemoEnterprise:
    username: str
    contact: str
    org_name: str
    uscc: str
    org_type: OrgType


STAFF = (
    DemoStaff("admin", "系统管理员", Role.ADMIN),
    DemoStaff("national", "电影资金办审核员", Role.NATIONAL_REVIEWER),
    DemoStaff("institute", "电影技术质量检测所", Role.TESTING_INSTITUTE),
    DemoStaff("hunan", "湖南省电影局审核员", Role.PROVINCIAL_REVIEWER, "43"),
    DemoStaff("beijing", "北京市电影局审核员", Role.PROVINCIAL_REVIEWER, "11"),
    DemoStaff("furong", "长沙市芙蓉区电影主管部门", Role.COUNTY_REVIEWER, "430102"),
    DemoStaff("hunan_culture", "湖南省文化和旅游厅", Role.CULTURE_REVIEWER, "43"),
    DemoStaff("hunan_union", "湖南省总工会", Role.UNION_REVIEWER, "43"),
    DemoStaff("hunan_film_bureau", "湖南省电影局", Role.FILM_BUREAU_REVIEWER, "43"),
    DemoStaff("hunan_association", "湖南省电影行业协会", Role.ASSOCIATION_REVIEWER, "43"),
    DemoStaff("zhengzhou", "郑州市文广新局", Role.CITY_REVIEWER, "4101"),
    DemoStaff("jinshui", "郑州市金水区文化主管部门", Role.DISTRICT_REVIEWER, "410105"),
)

ENTERPRISES = (
    DemoEnterprise(
        "cinema", "张经理", "长沙星光影城有限公司", "91430102MA4L00001F", OrgType.CINEMA
    ),
    DemoEnterprise(
        "vendor", "李工", "北京云票软件有限公司", "91110108MA01000010", OrgType.TICKETING_VENDOR
    ),
    DemoEnterprise(
        "agent", "王经理", "上海快票网络科技有限公司", "91310115MA1K000016", OrgType.TICKET_AGENT
    ),
    DemoEnterprise(
        "netculture",
        "赵主管",
        "湖南云上演艺文化有限公司",
        "91430100MA4L00001J",
        OrgType.INTERNET_CULTURE,
    ),
    DemoEnterprise(
        "payment", "钱经理", "湖南惠民支付有限公司", "91430100MA4L00002M", OrgType.PAYMENT_PLATFORM
    ),
    DemoEnterprise(
        "bookstore",
        "孙店长",
        "郑州书香文化有限公司",
        "91410105MA4000001Y",
        OrgType.CULTURAL_ENTERPRISE,
    ),
)

SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed(session: Session, platform: Platform) -> Iterator[str]:
    """Create what is missing and say what was done, line by line: the demo users, each
    process folder's sample applications, and the data-only process packages of
    ``processes/`` published as an administrator would."""
    accounts = AccountService(session)
    for staff in STAFF:
        if user(session, staff.username) is None:
            accounts.create_user(
                staff.username,
                DEMO_PASSWORD,
                role=staff.role,
                scope=staff.scope,
                display_name=staff.name,
            )
            yield f"user {staff.username} ({staff.role.value} {staff.scope})".rstrip()
    for enterprise in ENTERPRISES:
        if user(session, enterprise.username) is None:
            accounts.register_enterprise(
                Registration(
                    org_name=enterprise.org_name,
                    uscc=enterprise.uscc,
                    org_type=enterprise.org_type,
                    contact_name=enterprise.contact,
                    mobile="13800138000",
                    username=enterprise.username,
                    password=DEMO_PASSWORD,
                )
            )
            yield f"user {enterprise.username} ({enterprise.org_name})"
    for process_demo in platform.registry.demo:
        yield from process_demo(session, platform)
    definitions = DefinitionService(session, platform.registry)
    for directory in data_packages():
        definition, created = definitions.publish_package(directory)
        if created:
            yield f"process {definition.key} version {definition.version} published"


def attach(
    documents: DocumentService,
    applicant: Actor,
    application: Application,
    slot: str,
    filename: str,
    *,
    content: bytes = SAMPLE_PDF,
) -> None:
    """Upload ``content`` (a sample PDF unless given) to a slot of the application form."""
    documents.upload_to_application(
        applicant,
        application.id,
        slot_key=slot,
        filename=filename,
        declared_type=None,
        stream=io.BytesIO(content),
    )


def user(session: Session, username: str) -> User | None:
    return session.scalar(sa.select(User).where(User.username == username))
