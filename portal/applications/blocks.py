"""The platform's building blocks: what any BPMN service task may call by name.

Each block receives a :class:`BlockContext` (the open database session, the
application, the acting user, what issuing needs, the manifest of the
application's definition version), the task's evaluated parameters and the
task data, and returns the value stored in the task's result variable. The
runtime copies every result variable into the application's ``result`` (a
mapping's keys one by one when the task has the property ``merge_result``).
Blocks stay thin: the work is done by the services they call. The parameters
each block takes are declared when it is registered, so a BPMN giving an
unknown one, or naming something its manifest does not declare, is refused
when it is published (``docs/processes.md`` lists them all).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms import FormDefinition, is_valid_division_code
from forms.divisions import lookup
from portal.applications.definitions import form_of, model_of
from portal.applications.manifest import Manifest, Text
from portal.applications.models import Application, Task, TaskState
from portal.applications.notifications import Messenger
from portal.applications.reach import record_reach
from portal.applications.registry import ProcessRegistry
from portal.core import history, numbering
from portal.core.actor import Actor
from portal.core.clock import china_today
from portal.core.db import utcnow
from portal.core.errors import Conflict
from portal.core.i18n import N_
from portal.issuance import announcements, public_lists
from portal.issuance.digital import DigitalCertificateService
from portal.issuance.services import CertificateService, Issuing
from portal.issuance.types import CertificateType, RevokedBy
from workflows.validation import Parameter

REQUIRED = Parameter()
OPTIONAL = Parameter(required=False)
DECISIONS = ("approve", "return", "reject")
_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
MAX_COUNTER_NAME = 64


@dataclass(frozen=True)
class BlockContext:
    session: Session
    application: Application
    actor: Actor | None
    issuing: Issuing
    manifest: Manifest
    open_tasks: list[Task] | None = None
    """The application's task rows read before the step (with its open ones), or
    None: blocks that need its open tasks then read them."""


def register(registry: ProcessRegistry) -> None:
    """Add the platform's building blocks to ``registry``."""
    registry.services.add(
        "escalate", escalate, parameters={"task": REQUIRED}, description=escalate.__doc__ or ""
    )
    for name, block, parameters in (
        ("notify", notify, {"message": Parameter(refers_to="messages")}),
        (
            "issue_certificate",
            issue_certificate,
            {"type": Parameter(refers_to="certificates"), "subject": OPTIONAL},
        ),
        (
            "issue_digital_certificate",
            issue_digital_certificate,
            {"name": OPTIONAL, "cinema_code": OPTIONAL},
        ),
        (
            "publish_announcement",
            publish_announcement,
            {
                "title": Parameter(refers_to="messages"),
                "body": Parameter(required=False, refers_to="messages"),
            },
        ),
        (
            "add_to_public_list",
            add_to_public_list,
            {"list": Parameter(refers_to="public_lists"), "certificate": OPTIONAL},
        ),
        (
            "count_quota",
            count_quota,
            {"quota": Parameter(refers_to="quotas"), "bucket": REQUIRED, "campaign": OPTIONAL},
        ),
        ("join_reviews", join_reviews, {"reviews": REQUIRED}),
    ):
        registry.services.add(name, block, parameters=parameters, description=block.__doc__ or "")


def escalate(ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Flag the open task ``task`` (its BPMN id) whose deadline passed for its
    reviewers and the national level (督办). Returns whether one was open."""
    spec_id = str(params.get("task") or "")
    if ctx.open_tasks is not None:  # read before the step (the tick reads a batch's at once)
        overdue = [
            task
            for task in ctx.open_tasks
            if task.spec_id == spec_id and task.state == TaskState.OPEN
        ]
    else:
        overdue = list(
            ctx.session.scalars(
                sa.select(Task).where(
                    Task.application_id == ctx.application.id,
                    Task.spec_id == spec_id,
                    Task.state == TaskState.OPEN,
                )
            )
        )
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
    record_reach(ctx.session, ctx.application, overdue)
    return bool(overdue)


def notify(ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """Leave the manifest's message ``message`` for the applicant organisation, its
    placeholders (``%(number)s``, ``%(field)s``) filled from the application."""
    key = str(params.get("message") or "")
    text = fill(_declared(ctx.manifest.messages, key, "message"), ctx.application)
    Messenger(ctx.session, ctx.issuing.outbox, ctx.issuing.base_url).leave(
        ctx.application, key, text
    )
    history.record(
        ctx.session,
        None,
        "notified",
        application_id=ctx.application.id,
        details={"kind": key, "text": text},
    )
    return key


def issue_certificate(ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """Issue the applicant a certificate of the manifest's type ``type`` (PDF with its
    QR code) and return its number. ``subject`` (default: the data field the type
    names) is who or what it certifies; the type's ``fields`` are printed and shown
    on the verification page."""
    name = str(params.get("type") or "")
    spec = _declared(ctx.manifest.certificates, name, "certificate type")
    application = ctx.application
    values = {**application.data, **data}
    subject = str(
        params.get("subject")
        or (values.get(spec.subject) if spec.subject else None)
        or application.organization.name
    )
    form = form_of(application.definition, model_of(application.definition).start_form)
    printed = {f.key: _printed(form, f.key, values.get(f.key)) for f in spec.fields}
    fields = [(f.label.zh, printed[f.key]) for f in spec.fields]
    today = china_today()
    kind = CertificateType(
        name=spec.name,
        prefix=spec.prefix,
        title=spec.title.zh,
        template="notice",
        revoked_by=RevokedBy(spec.revoked_by),
        default_issuer=spec.issuer,
    )
    certificate = CertificateService(ctx.session, ctx.issuing).issue(
        kind,
        subject=subject,
        organization_id=application.organization_id,
        application_id=application.id,
        details={
            "holder": application.organization.name,
            "application_number": application.number,
            **printed,
        },
        valid_from=today,
        valid_until=_last_day(today, spec.valid_years),
        context={
            "fields": [("持证单位", application.organization.name), *fields],
        },
        actor=ctx.actor,
    )
    return certificate.number


def issue_digital_certificate(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Issue the applicant organisation its digital certificate ("UsbKey" 数字证书)
    and return its number. ``name`` is the holder's name in the certificate
    (default: the organisation's); ``cinema_code``, when given, is added to it and
    to the public details."""
    holder = ctx.application.organization
    code = str(params.get("cinema_code") or "")
    name = str(params.get("name") or holder.name)
    certificate = DigitalCertificateService(ctx.session, ctx.issuing).issue_digital_certificate(
        ctx.application,
        holder=holder,
        subject_cn=f"{name} {code}".strip(),
        details={"cinema_code": code} if code else None,
        actor=ctx.actor,
    )
    return certificate.number


def publish_announcement(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> int:
    """Publish an announcement 公示 whose title is the manifest's message ``title`` and
    whose body is the message ``body`` (default: the title), in Chinese, placeholders
    filled from the application. Returns the announcement's number."""
    title = fill(
        _declared(ctx.manifest.messages, str(params.get("title") or ""), "message"), ctx.application
    )
    body_key = params.get("body")
    body = (
        fill(_declared(ctx.manifest.messages, str(body_key), "message"), ctx.application)
        if body_key
        else title
    )
    announcement = announcements.publish(
        ctx.session,
        kind=ctx.manifest.key,
        title=title["zh"][: announcements.MAX_TITLE],
        body=body["zh"],
        application_id=ctx.application.id,
        actor=ctx.actor,
    )
    return announcement.id


def add_to_public_list(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Put the applicant organisation on the manifest's public list ``list``, with the
    certificate numbered ``certificate`` (optional). Returns the list's key."""
    key = str(params.get("list") or "")
    title = _declared(ctx.manifest.public_lists, key, "public list")
    certificate = params.get("certificate")
    public_lists.add(
        ctx.session,
        ctx.application,
        list_key=key,
        title=title.zh,
        title_en=title.en,
        certificate_number=str(certificate) if certificate else None,
        actor=ctx.actor,
    )
    return key


def count_quota(ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> int:
    """Count the application against the manifest's quota ``quota`` in bucket
    ``bucket`` (e.g. the category) of ``campaign`` (default: the quota's name); returns
    the places now taken. Beyond the limit the step is refused (409, naming the quota)
    and nothing of it is kept. Two approvals racing for the last place: one wins (the
    counter row is locked until the transaction ends)."""
    name = str(params.get("quota") or "")
    quota = _declared(ctx.manifest.quotas, name, "quota")
    bucket = str(params.get("bucket") or "")
    if bucket not in quota.limits:
        raise ValueError(f"quota {name!r} has no bucket {bucket!r}")
    campaign = str(params.get("campaign") or name)
    limit = quota.limits[bucket]
    taken = numbering.next_counter(ctx.session, _quota_counter(ctx.manifest.key, campaign, bucket))
    if taken > limit:
        raise Conflict(
            N_("The quota “%(quota)s” (%(bucket)s) is full: all %(limit)s places are taken."),
            quota=quota.label.zh,
            bucket=bucket,
            limit=limit,
        )
    history.record(
        ctx.session,
        ctx.actor,
        "quota_counted",
        application_id=ctx.application.id,
        details={"quota": name, "campaign": campaign, "bucket": bucket, "taken": taken},
    )
    return taken


def join_reviews(ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """The joint decision of parallel reviews: ``reviews`` lists the names under which
    each review task keeps its form data (its ``output`` property). Any ``reject``
    rejects, else any ``return`` returns, else all approved: ``approve``."""
    names = params.get("reviews")
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list | tuple) or not names:
        raise ValueError("join_reviews needs the list of review outputs")
    decisions = []
    for name in names:
        review = data.get(str(name))
        decision = review.get("decision") if isinstance(review, Mapping) else None
        if decision not in DECISIONS:
            raise ValueError(f"review {name!r} has no decision")
        decisions.append(decision)
    for outcome in ("reject", "return"):
        if outcome in decisions:
            return outcome
    return "approve"


def fill(text: Text, application: Application) -> dict[str, str]:
    """A manifest text in both languages, its placeholders filled from the application
    (``number``, then its data and result fields; "—" for what is missing)."""
    values: dict[str, Any] = {**application.data, **application.result}
    values["number"] = application.number

    def one(template: str) -> str:
        names = _PLACEHOLDER_RE.findall(template)
        return template % {n: _shown(values.get(n)) for n in names}

    return {"zh": one(text.zh), "en": one(text.en)}


def _quota_counter(process: str, campaign: str, bucket: str) -> str:
    """The counter of a quota's bucket; a name too long for the counters table is
    replaced by its digest, so no two buckets ever share a counter."""
    name = f"quota:{process}:{campaign}:{bucket}"
    if len(name) <= MAX_COUNTER_NAME:
        return name
    return "quota:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:48]


def _printed(form: FormDefinition, key: str, value: Any) -> str:
    """A data value as a certificate prints it: a choice's label, a division's name."""
    spec = next((f for f in form.fields if f.key == key), None)
    if spec is not None and spec.choices:
        labels = {c.value: c.label for c in spec.choices}
        if isinstance(value, list):
            return "、".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), _shown(value))
    if isinstance(value, str) and is_valid_division_code(value):
        division = lookup(value)
        if division is not None:
            return f"{division.full_name}（{value}）"
    return _shown(value)


def _declared(section: Mapping[str, Any], key: str, what: str) -> Any:
    """:raise ValueError: the manifest declares no such entry (a computed name)."""
    try:
        return section[key]
    except KeyError:
        raise ValueError(f"the manifest declares no {what} {key!r}") from None


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(v) for v in value)
    return str(value)


def _last_day(start: date, years: int | None) -> date | None:
    """The last day of a validity of ``years`` from ``start`` (None: no end)."""
    if years is None:
        return None
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)
