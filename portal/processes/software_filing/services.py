"""Ticketing-software product filing 票务软件产品备案 (P1, seed 000 §一(一)).

What the filing process's service tasks do (``portal/services/handlers.py``
registers them), inside the transaction of the step that decided it, and the
service commitment letter the applicant signs:

- :meth:`FilingService.commission_testing`: once the materials pass, the
  testing commission letter 委托检测书 from the National Film Fund Office to the
  Film Technical Quality Testing Institute (§一(一)3 and 5); the applicant
  holds it, the institute (staff) reads it beside its task.
- :meth:`FilingService.file`: on the filing decision, the filing number
  (:func:`filing_number`), the MD5 and SHA-256 of the
  installation package, the filing certificate 备案证书 valid three years
  (§一(二)1), the entry in the public register of filed software and the
  public announcement 公示 (§一(一)3).
- :meth:`FilingService.commitment_letter`: the service commitment letter
  服务承诺书 of 000's appendix, filled in with the company, product and version.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certificates import render_pdf
from portal.accounts.models import Role
from portal.applications.access import application_filter
from portal.applications.models import Application
from portal.core import history, numbering
from portal.core.actor import Actor
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.errors import Conflict, NotFound
from portal.core.i18n import N_
from portal.documents.models import Document
from portal.issuance import announcements
from portal.issuance.models import Certificate, CertificateState
from portal.issuance.services import CertificateService, Issuing
from portal.processes.software_filing.models import FilingState, SoftwareFiling

PROCESS = "software_filing"
COMMITMENT_SLOT = "commitment_letter"
CERTIFICATE_TEMPLATES = Path(__file__).parent / "certificates"
"""The printed layouts of the filing certificate, the testing commission letter and
the commitment letter."""
INSTITUTE = "总局电影技术质量检测所"
COMMISSIONED_BY = "电影资金办"
VARIANT_NAMES = {"cinema_software": "电影院票务软件", "agent_software": "电影票网络代售软件"}
STANDARD_TEST = "《电影院票务管理系统技术要求和测量方法》（GY/T276—2013）符合性检测"
AGENT_TESTS = (
    "自助取票机接口检测",
    "向国家数据平台开放的只读数据接口（选座售票原始数据及公钥请求）检测",
)
VALID_YEARS = 3
# Where the filing's package comes from, in order: the applicant's upload, else
# the package the testing institute tested (when the applicant gave only a link).
PACKAGE_SLOTS = ("install_package", "tested_package")


@dataclass(frozen=True)
class Filing:
    """What filing produced: the process copies these into the application's result."""

    filing_number: str
    package_md5: str
    package_sha256: str
    certificate_number: str

    def as_result(self) -> dict[str, str]:
        return asdict(self)


FILING_PREFIX = "DYPW"
"""电影票务: the prefix of filing numbers 备案号 of ticketing software."""


def filing_number(session: Session, when: datetime) -> str:
    """The next filing number 备案号 of ticketing software, e.g. ``DYPW2026-0001``.

    The prefix, the year of filing (China time), a hyphen and a sequence of at
    least four digits that starts again at 0001 each year (the 10,000th filing
    of a year is ``DYPW2026-10000``). A number is never given twice: a
    rolled-back filing gives its number back, a revoked one keeps it.
    """
    year = when.astimezone(CHINA).year
    sequence = numbering.next_counter(session, f"filing:{FILING_PREFIX}:{year}")
    return f"{FILING_PREFIX}{year}-{sequence:04d}"


class FilingService:
    def __init__(self, session: Session, issuing: Issuing) -> None:
        self.session = session
        self.issuing = issuing

    # Service tasks (inside the caller's transaction) ------------------------------

    def commission_testing(self, application: Application, *, actor: Actor | None) -> Certificate:
        """Issue the testing commission letter of ``application``; an earlier letter of
        the same application (a resubmission after a return) is superseded by it.

        What to test: the technical standard; for online agents also the
        self-service kiosk interface 自助取票机接口 (§一(一)5) and the read-only data
        interface opened to the national data platform (§一(一)6).
        """
        data = application.data
        variant = str(data.get("variant") or "")
        tests = [STANDARD_TEST, *(AGENT_TESTS if variant == "agent_software" else ())]
        facts = {
            "application_number": application.number,
            "product_name": data.get("product_name"),
            "version": data.get("version"),
            "variant": variant,
            "vendor": application.organization.name,
            "tests": tests,
        }
        earlier = self._active(application.id, "testing_commission")
        certificates = CertificateService(self.session, self.issuing)
        letter = certificates.issue(
            "testing_commission",
            subject=_subject(application),
            organization_id=application.organization_id,
            application_id=application.id,
            details={**facts, "institute": INSTITUTE},
            valid_until=None,
            context={
                **facts,
                "uscc": application.organization.uscc,
                "institute": INSTITUTE,
                "commissioned_by": COMMISSIONED_BY,
            },
            actor=actor,
        )
        for old in earlier:
            certificates.supersede(old, letter, actor=actor)
        return letter

    def file(self, application: Application, *, actor: Actor | None) -> Filing:
        """File the tested product: number, certificate, register entry, announcement.

        The package recorded is the applicant's uploaded installation package
        (its newest version), else the package the testing institute uploaded.
        The filing is valid from today (China) to the day before the third
        anniversary.

        :raise Conflict: no package to record (the testing task's check prevents it).
        """
        package = self._package(application.id)
        if package is None:
            raise Conflict(N_("No installation package has been recorded for this filing."))
        now = utcnow()
        valid_from = now.astimezone(CHINA).date()
        valid_until = last_valid_day(valid_from, VALID_YEARS)
        data = application.data
        vendor = application.organization
        number = filing_number(self.session, now)
        facts = {
            "product_name": data.get("product_name"),
            "version": data.get("version"),
            "variant": data.get("variant"),
            "vendor": vendor.name,
            "filing_number": number,
        }
        certificate = CertificateService(self.session, self.issuing).issue(
            "software_filing",
            subject=_subject(application),
            organization_id=vendor.id,
            application_id=application.id,
            details={
                **facts,
                "package_md5": package.md5,
                "package_sha256": package.sha256,
                "uscc": vendor.uscc,
            },
            valid_from=valid_from,
            valid_until=valid_until,
            context={
                **facts,
                "uscc": vendor.uscc,
                "md5": package.md5,
                "sha256": package.sha256,
            },
            actor=actor,
        )
        self.session.add(
            SoftwareFiling(
                filing_number=number,
                variant=str(data.get("variant")),
                product_name=str(data.get("product_name")),
                version=str(data.get("version")),
                vendor_name=vendor.name,
                organization_id=vendor.id,
                application_id=application.id,
                certificate_id=certificate.id,
                package_md5=package.md5,
                package_sha256=package.sha256,
                filed_at=now,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
        history.record(
            self.session,
            actor,
            "software_filed",
            application_id=application.id,
            details={"filing_number": number, "package_sha256": package.sha256},
        )
        filing = Filing(number, package.md5, package.sha256, certificate.number)
        title, body = announcement_text(application, filing, valid_from, valid_until)
        announcements.publish(
            self.session,
            kind="software_filed",
            title=title,
            body=body,
            application_id=application.id,
            certificate=certificate,
            actor=actor,
        )
        return filing

    # The applicant's letter ---------------------------------------------------------

    def commitment_letter(self, actor: Actor, application_id: uuid.UUID) -> bytes:
        """The service commitment letter (PDF) filled in with the applicant's company
        and the application's product and version, for the applicant to sign, stamp,
        scan and upload. Not signed by the portal, no QR code, not stored.

        :raise NotFound: not a filing application of the actor's organisation.
        :raise Conflict: the product name or version is not saved yet.
        """
        application = self.session.scalar(
            sa.select(Application).where(
                Application.id == application_id, application_filter(actor)
            )
        )
        mine = application is not None and actor.role is Role.APPLICANT
        if application is None or not mine or application.process_key != PROCESS:
            raise NotFound(N_("Application not found."))
        product, version = application.data.get("product_name"), application.data.get("version")
        if not product or not version:
            raise Conflict(
                N_("Save the product name and version first: the letter is filled in with them.")
            )
        context = {
            "company": application.organization.name,
            "product_name": product,
            "version": version,
        }
        if application.number:
            context["number"] = application.number
        return render_pdf("commitment_letter", context, templates=CERTIFICATE_TEMPLATES)

    # Helpers ---------------------------------------------------------------------------

    def _active(self, application_id: uuid.UUID, cert_type: str) -> list[Certificate]:
        return list(
            self.session.scalars(
                sa.select(Certificate).where(
                    Certificate.application_id == application_id,
                    Certificate.cert_type == cert_type,
                    Certificate.state == CertificateState.ACTIVE,
                )
            )
        )

    def _package(self, application_id: uuid.UUID) -> Document | None:
        for slot in PACKAGE_SLOTS:
            document = self.session.scalar(
                sa.select(Document)
                .where(Document.application_id == application_id, Document.slot == slot)
                .order_by(Document.version.desc())
                .limit(1)
            )
            if document is not None:
                return document
        return None


def filing_revoked(session: Session, certificate: Certificate, actor: Actor | None) -> None:
    """A revoked filing certificate revokes its filing 取消备案 (000 §一(二)2, §四):
    the register shows it revoked and the revocation is announced 公示 with its reason."""
    filing = session.scalar(
        sa.select(SoftwareFiling).where(SoftwareFiling.certificate_id == certificate.id)
    )
    if filing is None:
        return
    filing.state = FilingState.REVOKED
    variant = VARIANT_NAMES.get(filing.variant, "票务软件")
    title = f"取消票务软件产品备案公示：{filing.vendor_name} {filing.product_name} {filing.version}"
    body = "\n".join(
        [
            f"{filing.vendor_name}的{variant}产品“{filing.product_name}”"
            f"（版本号 {filing.version}，备案号 {filing.filing_number}）的备案予以取消，"
            "其备案证书同时撤销，现予公示。",
            "",
            f"取消原因：{certificate.revocation_reason}",
            f"备案证书编号：{certificate.number}",
            "",
            "自即日起，电影院不得安装、使用该版本票务软件。",
        ]
    )
    announcements.publish(
        session,
        kind="filing_revoked",
        title=title[: announcements.MAX_TITLE],
        body=body,
        application_id=filing.application_id,
        certificate=certificate,
        actor=actor,
    )


def last_valid_day(start: date, years: int) -> date:
    """The last day of a validity of ``years`` years from ``start``: the day before
    its anniversary (from 29 February, the anniversary is 1 March)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def announcement_text(
    application: Application, filing: Filing, valid_from: date, valid_until: date
) -> tuple[str, str]:
    """The title and body (Chinese, plain text) of a filing's announcement 公示."""
    data = application.data
    vendor = application.organization.name
    product, version = data.get("product_name"), data.get("version")
    variant = VARIANT_NAMES.get(str(data.get("variant")), "票务软件")
    title = f"票务软件产品备案公示：{vendor} {product} {version}"
    body = "\n".join(
        [
            f"经材料审核和{INSTITUTE}检测，{vendor}的下列{variant}产品符合"
            "《电影院票务管理系统技术要求和测量方法》（GY/T276—2013），"
            "依据《电影院票务系统（软件）管理实施细则》予以备案，现予公示。",
            "",
            f"软件商：{vendor}",
            f"产品名称：{product}",
            f"版本号：{version}",
            f"产品类别：{variant}",
            f"备案号：{filing.filing_number}",
            f"有效期：{_cn_date(valid_from)}至{_cn_date(valid_until)}",
            f"安装包 MD5：{filing.package_md5}",
            f"安装包 SHA-256：{filing.package_sha256}",
            f"备案证书编号：{filing.certificate_number}",
            "",
            "电影院安装、使用的票务软件须与备案软件一致，其安装包特征值以本公示为准。",
        ]
    )
    return title[: announcements.MAX_TITLE], body


def _subject(application: Application) -> str:
    return f"{application.data.get('product_name')} {application.data.get('version')}"


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
