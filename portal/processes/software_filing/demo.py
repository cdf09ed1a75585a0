"""Demo data of this process (``flask seed-demo``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.applications.registry import Platform
from portal.applications.services import ApplicationService
from portal.applications.tasks import TaskService
from portal.core.actor import Actor
from portal.demo import SAMPLE_PDF, attach, user
from portal.documents.services import DocumentService


def seed(session: Session, platform: Platform) -> Iterator[str]:
    """The vendor's cinema ticketing software: version 3.2 filed, 3.3 waiting for the
    material review; the agent's software filed, with its digital certificate."""
    vendor, agent, national, institute = (
        user(session, name) for name in ("vendor", "agent", "national", "institute")
    )
    if vendor is None or agent is None or national is None or institute is None:
        return
    if session.scalar(
        sa.select(Application.id).where(Application.process_key == "software_filing").limit(1)
    ):
        return
    filings = _Filings(session, platform, Actor.of(national), Actor.of(institute))
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
    platform: Platform
    national: Actor
    institute: Actor

    def submitted(self, applicant: Actor, variant: str, product: str, version: str) -> Application:
        applications = ApplicationService(self.session, self.platform)
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
        documents = DocumentService(self.session, self.platform)
        for slot in slots:
            attach(documents, applicant, application, slot, f"{slot}.pdf")
        if variant == "cinema_software":
            package = _package(product, version)
            attach(
                documents, applicant, application, "install_package", "setup.zip", content=package
            )
        return applications.submit(applicant, application.id)

    def take_to_filing(self, application: Application) -> None:
        """Materials approved, tested (the agent's package uploaded by the institute),
        filed."""
        tasks = TaskService(self.session, self.platform)
        applications = ApplicationService(self.session, self.platform)
        approve = {"decision": "approve", "comment": "材料齐全，符合要求"}
        tasks.complete(self.national, applications.open_tasks(application)[0].id, approve)
        testing = applications.open_tasks(application)[0]
        documents = DocumentService(self.session, self.platform)
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
