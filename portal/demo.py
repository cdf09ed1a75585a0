"""Demo data: organisations, a user of every role, and sample applications.

Loaded by ``flask --app wsgi seed-demo`` (and ``make run``). Idempotent: what
exists is left alone. Every demo account shares :data:`DEMO_PASSWORD`, so
the command refuses to run in production.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType, Role, User
from portal.accounts.services import AccountService, Registration
from portal.applications.models import Application
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.cinemas.models import Cinema
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.documents.services import DocumentService
from storage import DocumentStore

CHINA = ZoneInfo("Asia/Shanghai")
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


def seed(session: Session, store: DocumentStore) -> Iterator[str]:
    """Create what is missing and say what was done, line by line."""
    accounts = AccountService(session)
    for staff in STAFF:
        if _user(session, staff.username) is None:
            accounts.create_user(
                staff.username,
                DEMO_PASSWORD,
                role=staff.role,
                scope=staff.scope,
                display_name=staff.name,
            )
            yield f"user {staff.username} ({staff.role.value} {staff.scope})".rstrip()
    for enterprise in ENTERPRISES:
        if _user(session, enterprise.username) is None:
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
    yield from _sample_cinema_registrations(session, store)
    yield from _sample_refund(session, store)
    yield from _sample_software_filings(session, store)


def _sample_cinema_registrations(session: Session, store: DocumentStore) -> Iterator[str]:
    cinema = _user(session, "cinema")
    hunan = _user(session, "hunan")
    if cinema is None or hunan is None:  # created just before; absent only if renamed
        return
    has_applications = session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.organization_id == cinema.organization_id
        )
    )
    if has_applications:
        return
    applicant, reviewer = Actor.of(cinema), Actor.of(hunan)
    applications = ApplicationService(session)
    documents = DocumentService(session, store)

    draft = applications.create(applicant, "cinema_registration", {"name": "星光影城（梅溪湖店）"})
    yield f"draft cinema registration {draft.id}"

    waiting = _complete_application(
        applications, documents, applicant, "星光影城（五一广场店）", "430102"
    )
    yield f"cinema registration {waiting.number} waiting for the Hunan review"

    approved = _complete_application(
        applications, documents, applicant, "星光影城（万达店）", "430103"
    )
    task = applications.open_tasks(approved)[0]
    TaskService(session).complete(reviewer, task.id, {"decision": "approve", "comment": "材料齐全"})
    session.refresh(approved)
    yield f"cinema registration {approved.number} approved: {approved.result['cinema_code']}"


def _sample_refund(session: Session, store: DocumentStore) -> Iterator[str]:
    """A refund the demo cinema asked for after a power cut, waiting for Hunan."""
    cinema = _user(session, "cinema")
    code = (
        session.scalar(
            sa.select(Cinema.code).where(Cinema.organization_id == cinema.organization_id)
        )
        if cinema
        else None
    )
    if (
        cinema is None
        or code is None
        or session.scalar(
            sa.select(Application.id).where(
                Application.organization_id == cinema.organization_id,
                Application.process_key == "refund_backfill",
            )
        )
    ):
        return
    applicant = Actor.of(cinema)
    show_end = utcnow().astimezone(CHINA).replace(minute=0, second=0, microsecond=0) - timedelta(
        days=1
    )
    application = ApplicationService(session).create(
        applicant,
        "refund_backfill",
        {
            "cinema_code": code,
            "kind": "refund",
            "film": "流浪地球3",
            "hall": "1号厅",
            "show_start": (show_end - timedelta(hours=2)).isoformat(),
            "show_end": show_end.isoformat(),
            "ticket_count": 4,
            "amount": "180.00",
            "ticket_numbers": ["A0101", "A0102", "A0103", "A0104"],
            "cause": "放映中途停电，场次中断，当时票务软件无法退票。",
        },
    )
    _attach(DocumentService(session, store), applicant, application, "evidence", "停电通知.pdf")
    submitted = ApplicationService(session).submit(applicant, application.id)
    yield f"refund {submitted.number} waiting for the Hunan review (3 working days)"


def _sample_software_filings(session: Session, store: DocumentStore) -> Iterator[str]:
    """The vendor's cinema ticketing software: version 3.2 filed, 3.3 waiting for the
    material review; the agent's software filed, with its digital certificate."""
    vendor, agent, national, institute = (
        _user(session, name) for name in ("vendor", "agent", "national", "institute")
    )
    if vendor is None or agent is None or national is None or institute is None:
        return
    if session.scalar(
        sa.select(Application.id).where(Application.process_key == "software_filing").limit(1)
    ):
        return
    filings = _Filings(session, store, Actor.of(national), Actor.of(institute))
    filed = filings.submitted(Actor.of(vendor), "cinema_software", "云票影院票务管理系统", "V3.2")
    filings.take_to_filing(filed)
    yield f"software filing {filed.number} filed: {filed.result['filing_number']}"
    waiting = filings.submitted(Actor.of(vendor), "cinema_software", "云票影院票务管理系统", "V3.3")
    yield f"software filing {waiting.number} waiting for the material review"
    online = filings.submitted(Actor.of(agent), "agent_software", "快票网络售票平台", "V2.0")
    filings.take_to_filing(online)
    yield (
        f"software filing {online.number} filed: {online.result['filing_number']}, "
        f"digital certificate {online.result['digital_certificate_number']}"
    )


@dataclass
class _Filings:
    """Demo software filings, through the same services as the pages."""

    session: Session
    store: DocumentStore
    national: Actor
    institute: Actor

    def submitted(self, applicant: Actor, variant: str, product: str, version: str) -> Application:
        applications = ApplicationService(self.session)
        data = {"variant": variant, "product_name": product, "version": version}
        slots = [
            "application_form",
            "business_licence",
            "commitment_letter",
            "copyright_registration",
        ]
        if variant == "agent_software":
            data["data_interface_url"] = "https://open.kuaipiao.example.cn/national/readonly"
            slots.append("icp_licence")
        else:
            slots += ["requirements_doc", "design_doc", "user_manual"]
        application = applications.create(applicant, "software_filing", data)
        documents = DocumentService(self.session, self.store)
        for slot in slots:
            _attach(documents, applicant, application, slot, f"{slot}.pdf")
        if variant == "cinema_software":
            package = _package(product, version)
            _attach(
                documents, applicant, application, "install_package", "setup.zip", content=package
            )
        return applications.submit(applicant, application.id)

    def take_to_filing(self, application: Application) -> None:
        """Materials approved, tested (the agent's package uploaded by the institute),
        filed."""
        tasks = TaskService(self.session)
        applications = ApplicationService(self.session)
        approve = {"decision": "approve", "comment": "材料齐全，符合要求"}
        tasks.complete(self.national, applications.open_tasks(application)[0].id, approve)
        testing = applications.open_tasks(application)[0]
        documents = DocumentService(self.session, self.store)
        uploads = [("test_report", "检测报告.pdf", SAMPLE_PDF, "application/pdf")]
        if application.data["variant"] == "agent_software":
            package = _package(application.data["product_name"], application.data["version"])
            uploads.append(("tested_package", "tested.zip", package, "application/zip"))
        for slot, filename, content, mime in uploads:
            documents.upload_to_task(
                self.institute,
                testing.id,
                slot_key=slot,
                filename=filename,
                declared_type=mime,
                stream=io.BytesIO(content),
            )
        report = {"result": "pass", "report_number": "JC2026-0815", "comment": "符合GY/T276—2013"}
        tasks.complete(self.institute, testing.id, report)
        tasks.complete(self.national, applications.open_tasks(application)[0].id, approve)
        self.session.refresh(application)


def _package(product: str, version: str) -> bytes:
    """A small installation package (a real zip archive) of the demo product."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", f"{product} {version}\n")
    return buffer.getvalue()


def _complete_application(
    applications: ApplicationService,
    documents: DocumentService,
    applicant: Actor,
    name: str,
    division_code: str,
) -> Application:
    application = applications.create(
        applicant,
        "cinema_registration",
        {
            "name": name,
            "address": "湖南省长沙市五一大道100号",
            "division_code": division_code,
            "circuit": "湖南潇湘院线",
            "halls": [{"name": "1号厅", "seats": 168}, {"name": "2号厅", "seats": 96}],
            "contact_name": "张经理",
            "contact_mobile": "13800138000",
        },
    )
    for slot in ("business_licence", "screening_licence"):
        _attach(documents, applicant, application, slot, f"{slot}.pdf")
    return applications.submit(applicant, application.id)


def _attach(
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


def _user(session: Session, username: str) -> User | None:
    return session.scalar(sa.select(User).where(User.username == username))
