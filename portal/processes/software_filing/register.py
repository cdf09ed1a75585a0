"""Ticketing-software product filing 票务软件产品备案 (P1): wiring into the platform."""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext

from portal.applications.models import Application
from portal.applications.registry import ProcessRegistry
from portal.core.i18n import N_
from portal.issuance.types import CertificateType, RevokedBy
from portal.processes.software_filing import blocks, checks, demo, routes, services

HERE = Path(__file__).parent
KEY = "software_filing"
NATIONAL_FUND_OFFICE = "国家电影事业发展专项资金管理委员会办公室"


def register(registry: ProcessRegistry) -> None:
    registry.add_package(HERE)
    registry.block("issue_testing_commission")(blocks.issue_testing_commission)
    registry.block("file_software")(blocks.file_software)
    registry.add_submit_check(KEY, checks.variant_and_materials)
    registry.add_task_check("test_report", checks.tested_package_recorded)
    registry.add_certificate_type(
        CertificateType(
            KEY,
            "BAZS",
            "票务软件产品备案证书",
            KEY,
            RevokedBy.NATIONAL,
            NATIONAL_FUND_OFFICE,
            templates=services.CERTIFICATE_TEMPLATES,
        ),
        on_revoke=services.filing_revoked,
    )
    registry.add_certificate_type(
        CertificateType(
            "testing_commission",
            "WTJC",
            "委托检测书",
            "testing_commission",
            RevokedBy.NATIONAL,
            NATIONAL_FUND_OFFICE,
            templates=services.CERTIFICATE_TEMPLATES,
        )
    )
    registry.add_labels(
        actions={"software_filed": N_("Software filed")},
        certificates={
            KEY: N_("Software filing certificate"),
            "testing_commission": N_("Testing commission letter"),
        },
        details={
            "product_name": N_("Product name"),
            "version": N_("Version"),
            "variant": N_("Product category"),
            "vendor": N_("Vendor"),
            "filing_number": N_("Filing number"),
            "package_md5": N_("Installation package MD5"),
            "package_sha256": N_("Installation package SHA-256"),
            "tests": N_("Tests"),
            "institute": N_("Testing institute"),
            "deadline": N_("Report due"),
        },
        values={
            "cinema_software": N_("Cinema ticketing software"),
            "agent_software": N_("Online ticket agent software"),
        },
    )
    registry.add_blueprint(routes.pages)
    registry.add_blueprint(routes.api)
    registry.add_public_link(
        "software_register.software",
        N_("Register of filed ticketing software"),
        short=N_("Filed software"),
        announcements=("software_filed", "filing_revoked"),
    )
    registry.add_slot_links(KEY, commitment_letter_link)
    registry.add_demo(demo.seed)


def commitment_letter_link(application: Application) -> dict[str, dict[str, str | None]]:
    """Beside the commitment letter's slot: the letter filled in with the company,
    product and version, to sign, stamp and upload."""
    if application.data.get("product_name") and application.data.get("version"):
        link = {
            "url": url_for(
                "software_filing_api.commitment_letter", application_id=str(application.id)
            ),
            "text": gettext("Download the commitment letter filled in for this product (PDF)"),
        }
    else:
        link = {
            "url": None,
            "text": gettext(
                "Save the product name and version first: then download the commitment "
                "letter filled in with them here."
            ),
        }
    return {services.COMMITMENT_SLOT: link}
