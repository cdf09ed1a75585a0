"""Checks of the ticketing-software filing: the variant and its materials at
submission, the tested package at the test report."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType
from portal.applications.checks import CheckResult, Completion, Submission
from portal.core.i18n import N_
from portal.documents.models import Document

# Ticketing-software filing (000 §一(一)) ----------------------------------------

# Who files what: a ticketing-software vendor 票务软件商 files cinema ticketing
# software (000 §一(一)2), an online ticket agent 电影票网络代售商 its agent
# software (§一(一)4); each variant has its own materials and its own testing.
VARIANT_OF_ORG_TYPE = {
    OrgType.TICKETING_VENDOR.value: "cinema_software",
    OrgType.TICKET_AGENT.value: "agent_software",
}
# The materials each variant needs beyond what the form requires of both
# (application, business licence, commitment letter, copyright registration).
VARIANT_DOCUMENTS = {
    "cinema_software": ("requirements_doc", "design_doc", "user_manual"),
    "agent_software": ("icp_licence",),
}


def variant_and_materials(session: Session, submission: Submission) -> CheckResult:
    """The variant is the one the organisation may file, with its own materials.

    A vendor files cinema ticketing software: it also needs the installation
    package (uploaded, or an HTTP download link), the requirements and design
    documents and the user manual (000 §一(一)2). An online ticket agent files
    agent software: it also needs its ICP licence (§一(一)4) and the address of
    the read-only data interface it opens to the national data platform
    (§一(一)6). Every missing item is reported on its own key.
    """
    result = CheckResult()
    data, documents = submission.data, submission.documents
    variant = data.get("variant")
    expected = VARIANT_OF_ORG_TYPE.get(submission.application.organization.org_type)
    if variant and variant != expected:
        result.add(
            "variant",
            N_("Vendors file cinema ticketing software; online ticket agents file agent software.")
            if expected
            else N_("Your organisation cannot file ticketing software."),
        )
        return result  # the materials depend on the variant: first choose the right one
    for slot in VARIANT_DOCUMENTS.get(str(variant), ()):
        if slot not in documents:
            result.add(slot, N_("This document is required."))
    packaged = "install_package" in documents or data.get("package_url")
    if variant == "cinema_software" and not packaged:
        result.add(
            "install_package",
            N_("Upload the installation package or give an HTTP link to download it."),
        )
    if variant == "agent_software" and not data.get("data_interface_url"):
        result.add("data_interface_url", N_("This field is required."))
    return result


def tested_package_recorded(session: Session, completion: Completion) -> CheckResult:
    """The testing institute uploads the package it tested when the applicant
    gave only a download link (or none, as agents may): the filing records that
    package's MD5 and SHA-256 (000 §一(一)3, §一(三)2)."""
    result = CheckResult()
    if "tested_package" in completion.documents:
        return result
    uploaded = session.scalar(
        sa.select(Document.id)
        .where(
            Document.application_id == completion.application.id,
            Document.slot == "install_package",
            Document.task_id.is_(None),
        )
        .limit(1)
    )
    if uploaded is None:
        result.add(
            "tested_package",
            N_("The applicant uploaded no installation package: upload the package you tested."),
        )
    return result
