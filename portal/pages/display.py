"""How pages show things: labels, names, China time, deadlines, sizes.

Labels are English message ids marked with :func:`N_` and translated when a
page is rendered, so one list serves both languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from flask_babel import get_locale, gettext, ngettext

from forms.divisions import lookup
from portal.accounts.models import Role, User
from portal.applications.definitions import manifest_of, model_of
from portal.applications.models import Application, ProcessDefinition, Task, TaskState
from portal.applications.progress import TimeLimit
from portal.core.clock import CHINA
from portal.core.db import utcnow
from portal.core.extensions import processes
from portal.core.i18n import N_
from portal.core.models import AuditEvent

STATUS_LABELS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "under_review": N_("Under review"),
    "returned": N_("Returned for correction"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
    "lapsed": N_("Lapsed"),
}
ROLE_LABELS = {
    "applicant": N_("Applicant enterprise"),
    "county_reviewer": N_("County film authority"),
    "provincial_reviewer": N_("Provincial film authority"),
    "national_reviewer": N_("National Film Fund Office"),
    "testing_institute": N_("Film Technical Quality Testing Institute"),
    "culture_reviewer": N_("Provincial culture and tourism department"),
    "union_reviewer": N_("Provincial federation of trade unions"),
    "film_bureau_reviewer": N_("Provincial film bureau"),
    "association_reviewer": N_("Provincial film industry association"),
    "district_reviewer": N_("District culture authority"),
    "city_reviewer": N_("City culture bureau"),
    "admin": N_("Portal administrator"),
}
ORG_TYPE_LABELS = {
    "ticketing_vendor": N_("Ticketing software vendor"),
    "ticket_agent": N_("Online film ticket agent"),
    "cinema": N_("Cinema"),
    "internet_culture": N_("Commercial internet culture business"),
    "payment_platform": N_("Electronic payment platform"),
    "cultural_enterprise": N_("Cultural enterprise"),
}
ACTION_LABELS = {
    "created": N_("Application created"),
    "saved": N_("Draft saved"),
    "document_uploaded": N_("Document uploaded"),
    "submitted": N_("Application submitted"),
    "resubmitted": N_("Application resubmitted"),
    "claimed": N_("Task claimed"),
    "completed": N_("Review completed"),
    "withdrawn": N_("Application withdrawn"),
    "step_completed": N_("Step completed"),
    "escalated": N_("Overdue: escalated for supervision"),
    "notified": N_("Message sent to the applicant"),
    "deadline_recounted": N_("Deadline recounted"),
    "registered": N_("Enterprise registered"),
    "signed_in": N_("Signed in"),
    "certificate_issued": N_("Certificate issued"),
    "certificate_superseded": N_("Certificate replaced"),
    "certificate_revoked": N_("Certificate revoked"),
    "digital_certificate_downloaded": N_("Digital certificate downloaded"),
    "announcement_published": N_("Announcement published"),
    "quota_counted": N_("Counted against the quota"),
    "public_list_entry_added": N_("Entered in the public list"),
}
DECISION_LABELS = {
    "approve": N_("Approve"),
    "return": N_("Return for correction"),
    "reject": N_("Reject"),
}
FILING_STATUS_LABELS = {
    "filed": N_("Filed"),
    "expired": N_("Expired"),
    "superseded": N_("Replaced by a newer version"),
    "revoked": N_("Filing revoked"),
}
CERTIFICATE_STATUS_LABELS = {
    "valid": N_("Valid"),
    "expired": N_("Expired"),
    "superseded": N_("Replaced by a new certificate"),
    "revoked": N_("Revoked"),
}


def page_locale() -> str:
    """The page language: "en", or the Chinese locale (Babel spells it "zh_Hans_CN")."""
    return str(get_locale() or "zh_CN")


# -- names and labels -------------------------------------------------------------------


def label(labels: Mapping[str, str], value: Any) -> str:
    """``value``'s label from ``labels``, translated; the value itself when it has none."""
    key = str(value) if value is not None else ""
    return gettext(labels[key]) if key in labels else key


def registered_label(section: str, value: Any) -> str:
    """A label the process folders registered (``actions``, ``certificates``,
    ``details``, ``values``), translated; the value itself when there is none."""
    return label(processes.platform.registry.labels.get(section, {}), value)


def action_label(value: Any) -> str:
    """A history action: the platform's own, else a process folder's."""
    key = str(value) if value is not None else ""
    return label(ACTION_LABELS, key) if key in ACTION_LABELS else registered_label("actions", key)


COMMON_DETAIL_LABELS = {
    "cinema_code": N_("Cinema code"),
    "application_number": N_("Acceptance number"),
    "holder": N_("Holder"),
    "uscc": N_("Unified social credit code"),
    "serial": N_("Certificate serial number"),
    "fingerprint": N_("SHA-256 fingerprint"),
}
PLATFORM_CERTIFICATE_LABELS = {
    "digital_certificate": N_("Digital certificate (UsbKey)"),
    "installation_acceptance": N_("Installation acceptance confirmation"),
    "notice": N_("Notice"),
}


def certificate_type_label(certificate: Any) -> str:
    """A certificate's type: the platform's or a process folder's label, else the title
    its process's manifest declared (printed on it)."""
    kind = str(certificate.cert_type)
    if kind in PLATFORM_CERTIFICATE_LABELS:
        return label(PLATFORM_CERTIFICATE_LABELS, kind)
    registered = processes.platform.registry.labels["certificates"]
    if kind in registered:
        return label(registered, kind)
    application = getattr(certificate, "application", None)
    if application is not None:
        spec = manifest_of(application.definition).certificates.get(kind)
        if spec is not None:
            return spec.title.get(page_locale())
    return str(certificate.title)


def certificate_details(
    details: Mapping[str, Any], certificate: Any | None = None
) -> list[tuple[str, str]]:
    """A certificate's public details as (label, text) rows, known keys first: the
    platform's, those a process folder registered, those its manifest declared."""
    labels = {**COMMON_DETAIL_LABELS, **processes.platform.registry.labels["details"]}
    declared = _declared_fields(certificate)
    known = [key for key in labels if key in details]
    rows = []
    for key in known + sorted(k for k in details if k not in labels):
        value = details[key]
        if value is None or value in ("", []):
            continue
        if isinstance(value, list):
            text = ("; " if page_locale() == "en" else "；").join(str(v) for v in value)
        else:
            text = registered_label("values", value)
        name = declared[key] if key in declared and key not in labels else label(labels, key)
        rows.append((name, text))
    return rows


def _declared_fields(certificate: Any | None) -> dict[str, str]:
    """The labels of the fields a manifest declared for ``certificate``'s type."""
    if certificate is None:
        return {}
    application = getattr(certificate, "application", None)
    if application is None:
        return {}
    spec = manifest_of(application.definition).certificates.get(str(certificate.cert_type))
    return {f.key: f.label.get(page_locale()) for f in spec.fields} if spec else {}


def place_name(scope: str | None) -> str:
    """The division a staff scope covers, e.g. "43" → "湖南省"; "" for nationwide."""
    if not scope:
        return ""
    division = lookup(scope.ljust(6, "0"))
    return division.full_name if division else scope


def process_name(definition: ProcessDefinition) -> str:
    """The process's name in the page language: its manifest's, else the BPMN's."""
    if definition.manifest:
        return manifest_of(definition).name.get(page_locale())
    if page_locale() == "en":
        return str(definition.meta["properties"].get("name_en") or definition.name)
    return definition.name


def task_name(task: Task) -> str:
    if page_locale() == "en":
        info = task.application.definition.meta["user_tasks"].get(task.spec_id, {})
        return str(info.get("properties", {}).get("name_en") or task.name)
    return task.name


def event_task_name(event: AuditEvent, application: Application) -> str:
    """The task a history entry is about, in the page language."""
    if page_locale() == "en" and event.task_id is not None:
        for task in application.tasks:
            if task.id == event.task_id:
                return task_name(task)
    return event.task_name or ""


def is_application_form_task(task: Task) -> bool:
    """Whether ``task`` is the applicant filling in (or correcting) the application itself."""
    return (
        task.role is Role.APPLICANT
        and task.form_key == model_of(task.application.definition).start_form
    )


def task_holder(task: Task) -> str:
    """Who holds a task: "湖南省 省级电影主管部门", or the applicant itself."""
    if task.role is Role.APPLICANT:
        return gettext("Your organisation")
    place = place_name(task.scope)
    role = label(ROLE_LABELS, task.role)
    return f"{place} {role}" if place else role


def user_role_text(user: User) -> str:
    """The role shown beside a user's name in the header."""
    role = label(ROLE_LABELS, user.role)
    if user.organization is not None:
        return f"{user.organization.name} · {role}"
    place = place_name(user.scope)
    return f"{place} {role}" if place else role


def shown_results(application: Application) -> list[tuple[str, Any]]:
    """The results an applicant is given (a cinema code, a filing number) as (label,
    value), in the order its manifest declares them, without the process's own
    bookkeeping (which notifications were sent, how many quota places are taken)."""
    result = application.result or {}
    labels = manifest_of(application.definition).results
    return [(labels[key].get(page_locale()), result[key]) for key in labels if key in result]


def latest_reason(events: Iterable[AuditEvent]) -> AuditEvent | None:
    """The newest return or rejection with its reasons, if any."""
    reasons = [e for e in events if e.action == "completed" and e.decision in ("return", "reject")]
    return reasons[-1] if reasons else None


def china_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or CHINA.key)


def china_day(value: datetime | None) -> date | None:
    """The civil day of ``value`` in China."""
    return value.astimezone(china_zone()).date() if value is not None else None


def china_time(value: datetime | None, with_seconds: bool = False) -> str:
    if value is None:
        return ""
    return value.astimezone(china_zone()).strftime(
        "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    )


# -- deadlines --------------------------------------------------------------------------

DUE_SOON = timedelta(hours=24)
PROVISIONAL_EXPLANATION = N_(
    "The official holiday arrangement of that year has not been published yet: the deadline "
    "counts only weekends and the statutory holidays, and will be recounted when it is."
)


@dataclass(frozen=True)
class DeadlineView:
    """A task's deadline as pages show it.

    ``state`` is "overdue", "due-soon" (within 24 hours) or "on-time" for an open
    task, "" for a closed one; pages use it in CSS classes (``deadline-<state>``).
    """

    due_at: datetime
    state: str
    moment: str
    text: str
    left: str
    provisional: bool
    escalated: bool


def long_date(day: date) -> str:
    """ "2026年10月10日", or "10 October 2026" in English."""
    if page_locale() == "en":
        return str(format_date(day, "d MMMM y", locale="en"))
    return f"{day.year}年{day.month}月{day.day}日"


def deadline_moment(due_at: datetime | str) -> str:
    """The moment something is due, in China time (ISO 8601 strings accepted).

    A deadline at midnight is the end of the day before (working-day deadlines
    end at 24:00): "2026年10月10日 24:00"; any other is the exact moment.
    """
    if isinstance(due_at, str):
        due_at = datetime.fromisoformat(due_at)
    local = due_at.astimezone(china_zone())
    if local.time() == time(0, 0):
        day = long_date(local.date() - timedelta(days=1))
        return gettext("the end of %(date)s (24:00)", date=day)
    return gettext("%(date)s, %(time)s", date=long_date(local.date()), time=f"{local:%H:%M}")


def deadline_text(due_at: datetime | str) -> str:
    """ "截止 2026年10月10日 24:00", "By the end of 10 October 2026 (24:00)"."""
    return gettext("By %(moment)s", moment=deadline_moment(due_at))


def duration_text(delta: timedelta) -> str:
    """A period in its two largest units, rounded down: "2 天 3 小时", "5 hours"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    texts = [
        ngettext("%(num)s day", "%(num)s days", days) if days else "",
        ngettext("%(num)s hour", "%(num)s hours", hours) if hours else "",
        ngettext("%(num)s minute", "%(num)s minutes", minutes) if minutes else "",
    ]
    first = next((n for n, text in enumerate(texts) if text), None)
    if first is None:
        return gettext("less than a minute")
    return " ".join(text for text in texts[first : first + 2] if text)


def time_left_text(due_at: datetime, now: datetime) -> str:
    """ "剩余 2 天 3 小时" before the deadline, "已逾期 5 小时" from it on."""
    if now >= due_at:
        return gettext("Overdue by %(period)s", period=duration_text(now - due_at))
    return gettext("%(period)s left", period=duration_text(due_at - now))


def due_state(task: Task, now: datetime) -> str:
    """ "overdue", "due-soon", "on-time", or "" for a closed task or one without a deadline."""
    if task.due_at is None or task.state != TaskState.OPEN:
        return ""
    if task.is_overdue(now):
        return "overdue"
    return "due-soon" if task.due_at - now <= DUE_SOON else "on-time"


def deadline_of(task: Task) -> DeadlineView | None:
    """The deadline of ``task`` as of now, or None when it has none."""
    if task.due_at is None:
        return None
    now = utcnow()
    state = due_state(task, now)
    return DeadlineView(
        due_at=task.due_at,
        state=state,
        moment=deadline_moment(task.due_at),
        text=deadline_text(task.due_at),
        left=time_left_text(task.due_at, now) if state else "",
        provisional=task.due_provisional,
        escalated=task.escalated_at is not None,
    )


TIME_LIMIT_FALLBACK = N_("Handled promptly once received")


def time_limit_text(limit: TimeLimit | None, task: Task | None = None) -> str:
    """A step's promised time limit 承诺时限 in its legal unit: "3 个工作日",
    "48 hours"; for a step without a deadline timer, what its BPMN commits to;
    a staff step that states nothing is "handled promptly"; an applicant step
    that states nothing gets "" (the applicant sets its own pace)."""
    if limit is not None and limit.working_days:
        return ngettext("%(num)s working day", "%(num)s working days", limit.working_days)
    if limit is not None and limit.hours:
        return ngettext("%(num)s hour", "%(num)s hours", limit.hours)
    if limit is not None and limit.commitment is not None:
        return limit.commitment.get(page_locale())
    if task is not None and task.role is Role.APPLICANT:
        return ""
    return gettext(TIME_LIMIT_FALLBACK)


def inbox_scope_text(user: User) -> str:
    """Whose tasks an inbox lists: "本辖区（湖南省 省级电影主管部门）的任务" for a
    regional authority; nationwide for the National Film Fund Office and the
    testing institute, whose work knows no jurisdiction (辖区)."""
    if not place_name(user.scope):
        return gettext("Tasks nationwide (%(role)s).", role=label(ROLE_LABELS, user.role))
    return gettext("Tasks in your area (%(area)s).", area=user_role_text(user))


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:  # noqa: PLR2004
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
