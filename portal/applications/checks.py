"""Checks a process runs before it advances, beyond what its forms can check.

A process names its submission check in the BPMN (process property
``submit_check``), a user task its completion check (task property
``check``). A check sees the clean data, which document slots hold a file,
and the database; it returns the problems by field (shown to the applicant or
the reviewer; nothing changes) and, for a submission, what it derived, such
as the division code that decides which reviewers see the application.
A BPMN file naming a check that is not registered here is refused when it
is published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import OrgType
from portal.applications.models import Application, Task
from portal.cinemas.models import Cinema, CinemaStatus
from portal.core.db import utcnow
from portal.core.i18n import N_
from portal.documents.models import Document

CHINA = ZoneInfo("Asia/Shanghai")
BACKFILL_FREE_DAYS = 7


@dataclass
class CheckResult:
    errors: dict[str, list[str]] = field(default_factory=dict)
    division_code: str | None = None

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


@dataclass(frozen=True)
class Submission:
    """What a submission check sees.

    ``data`` holds the fields the form accepted (those with errors are left
    out), ``documents`` the slots of the application form that hold a document.
    """

    application: Application
    data: Mapping[str, Any]
    documents: frozenset[str]


@dataclass(frozen=True)
class Completion:
    """What a task check sees: the task, its accepted form data and the slots of the
    task's form that hold a document uploaded to this task."""

    application: Application
    task: Task
    data: Mapping[str, Any]
    documents: frozenset[str]


SubmitCheck = Callable[[Session, Submission], CheckResult]
TaskCheck = Callable[[Session, Completion], CheckResult]
SUBMIT_CHECKS: dict[str, SubmitCheck] = {}
TASK_CHECKS: dict[str, TaskCheck] = {}


def submit_check(name: str) -> Callable[[SubmitCheck], SubmitCheck]:
    def register(check: SubmitCheck) -> SubmitCheck:
        SUBMIT_CHECKS[name] = check
        return check

    return register


def task_check(name: str) -> Callable[[TaskCheck], TaskCheck]:
    def register(check: TaskCheck) -> TaskCheck:
        TASK_CHECKS[name] = check
        return check

    return register


@submit_check("refund_backfill")
def refund_backfill(session: Session, submission: Submission) -> CheckResult:
    """Only what needs approval may be applied for (000 §二(五)1-3).

    The cinema must be a registered, active cinema of the applicant; a refund
    only after the show has ended; a backfill only more than seven days after
    the sale. The cinema's county decides which province reviews it.
    """
    result = CheckResult()
    data = submission.data
    cinema = session.scalar(sa.select(Cinema).where(Cinema.code == data.get("cinema_code")))
    if cinema is None or cinema.organization_id != submission.application.organization_id:
        result.add("cinema_code", N_("No registered cinema of your organisation has this code."))
    elif cinema.status != CinemaStatus.ACTIVE:
        result.add(
            "cinema_code",
            N_("This cinema is suspended or closed; it cannot apply until it reopens."),
        )
    else:
        result.division_code = cinema.division_code
    now = utcnow()
    show_start, show_end = _moment(data.get("show_start")), _moment(data.get("show_end"))
    if show_start and show_end and show_end <= show_start:
        result.add("show_end", N_("The show must end after it starts."))
    if data.get("kind") == "refund" and show_end and show_end > now:
        result.add(
            "show_end",
            N_(
                "The show has not ended: refund the tickets in the ticketing system before "
                "the show ends; that needs no approval."
            ),
        )
    if data.get("kind") == "backfill":
        sale = _day(data.get("sale_date"))
        today = now.astimezone(CHINA).date()
        if sale is not None and sale > today:
            result.add("sale_date", N_("The sale date cannot be in the future."))
        elif sale is not None and today - sale <= timedelta(days=BACKFILL_FREE_DAYS):
            result.add(
                "sale_date",
                N_(
                    "Backup tickets sold within the last seven days are entered in the "
                    "ticketing system directly; that needs no approval."
                ),
            )
    return result


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


@submit_check("software_filing")
def software_filing(session: Session, submission: Submission) -> CheckResult:
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


@task_check("test_report")
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


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None
