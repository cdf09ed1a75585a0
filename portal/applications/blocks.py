"""Python code that BPMN service tasks call by name.

Each handler receives a :class:`ServiceContext` (the open database session,
the application, the acting user), the task's evaluated parameters and the
task data, and returns the value stored in the task's result variable. The
portal copies every result variable into the application's ``result`` (a
mapping's keys one by one when the task has the property ``merge_result``).
Handlers stay thin: the work is done by the services they call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Application, Notification, Task, TaskState
from portal.applications.notifications import NOTIFICATION_KINDS
from portal.cinemas.models import Cinema
from portal.core import history, numbering
from portal.core.actor import Actor
from portal.core.db import utcnow
from portal.issuance.digital import DigitalCertificateService
from portal.processes.software_filing.services import FilingService
from workflows.services import ServiceRegistry

SERVICES = ServiceRegistry()


@dataclass(frozen=True)
class ServiceContext:
    session: Session
    application: Application
    actor: Actor | None


@SERVICES.register("assign_cinema_code")
def assign_cinema_code(
    ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Give the approved cinema its code and enter it in the cinema register."""
    division = str(params.get("division_code") or ctx.application.division_code)
    code = numbering.cinema_code(ctx.session, division)
    ctx.session.add(
        Cinema(
            code=code,
            name=str(data.get("name") or ctx.application.data.get("name")),
            organization_id=ctx.application.organization_id,
            division_code=division,
            application_id=ctx.application.id,
        )
    )
    history.record(
        ctx.session,
        ctx.actor,
        "cinema_code_assigned",
        application_id=ctx.application.id,
        details={"cinema_code": code},
    )
    return code


@SERVICES.register("issue_digital_certificate")
def issue_digital_certificate(
    ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Issue the applicant organisation its digital certificate ("UsbKey" 数字证书) and
    return its number (000 §二(一)2: a registered cinema receives one).

    ``name`` is the holder's name in the certificate (default: the organisation's);
    ``cinema_code``, when given, is added to it and to the public details.
    """
    holder = ctx.application.organization
    code = str(params.get("cinema_code") or "")
    name = str(params.get("name") or holder.name)
    certificate = DigitalCertificateService.for_session(ctx.session).issue_digital_certificate(
        ctx.application,
        holder=holder,
        subject_cn=f"{name} {code}".strip(),
        details={"cinema_code": code} if code else None,
        actor=ctx.actor,
    )
    return certificate.number


@SERVICES.register("issue_testing_commission")
def issue_testing_commission(
    ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Issue the testing commission letter 委托检测书 of a ticketing-software filing
    to the testing institute (000 §一(一)3, 5) and return its number."""
    return FilingService(ctx.session).commission_testing(ctx.application, actor=ctx.actor).number


@SERVICES.register("file_software")
def file_software(
    ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, str]:
    """File the tested software (000 §一(一)3): filing number, filing certificate,
    register entry and announcement. Returns ``filing_number``, ``package_md5``,
    ``package_sha256`` and ``certificate_number`` (the BPMN merges them into the
    application's result)."""
    return FilingService(ctx.session).file(ctx.application, actor=ctx.actor).as_result()


@SERVICES.register("escalate")
def escalate(ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Flag an overdue task for its reviewers and the national level (督办).

    ``task`` names the user task (its BPMN id) whose deadline passed.
    """
    spec_id = str(params.get("task") or "")
    overdue = ctx.session.scalars(
        sa.select(Task).where(
            Task.application_id == ctx.application.id,
            Task.spec_id == spec_id,
            Task.state == TaskState.OPEN,
        )
    ).all()
    now = utcnow()
    for task in overdue:
        task.escalated_at = now
        history.record(
            ctx.session,
            None,
            "escalated",
            application_id=ctx.application.id,
            task_id=task.id,
            task_name=task.name,
            details={"due_at": task.due_at.isoformat() if task.due_at else None},
        )
    return bool(overdue)


@SERVICES.register("notify")
def notify(ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """Leave a message for the applicant organisation; ``kind`` names the message."""
    kind = str(params.get("kind") or "")
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    ctx.session.add(
        Notification(
            organization_id=ctx.application.organization_id,
            application_id=ctx.application.id,
            kind=kind,
            params={"number": ctx.application.number},
        )
    )
    history.record(
        ctx.session, None, "notified", application_id=ctx.application.id, details={"kind": kind}
    )
    return kind
