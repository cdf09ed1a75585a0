"""What the page blueprints share: the acting user, access rules for areas,
safe redirects, the base class of page forms, and the labels and filters the
templates use.

Labels are English message ids marked with :func:`N_` and translated when a
page is rendered, so one list serves both languages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Flask, abort, current_app, request, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from forms import DocumentSlot, FieldSpec, FormDefinition, StaticText
from forms.divisions import lookup
from forms.fields import parse_datetime
from portal.db import utcnow
from portal.i18n import N_, Translations
from portal.models import (
    Application,
    AuditEvent,
    ProcessDefinition,
    Role,
    Task,
    TaskState,
    User,
)
from portal.services.actor import Actor
from portal.services.definitions import model_of

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = frozenset(r for r in Role if r not in (Role.APPLICANT, Role.ADMIN))

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
    "cinema_code_assigned": N_("Cinema code assigned"),
    "step_completed": N_("Step completed"),
    "escalated": N_("Overdue: escalated for supervision"),
    "notified": N_("Message sent to the applicant"),
    "deadline_recounted": N_("Deadline recounted"),
    "registered": N_("Enterprise registered"),
    "signed_in": N_("Signed in"),
}
DECISION_LABELS = {
    "approve": N_("Approve"),
    "return": N_("Return for correction"),
    "reject": N_("Reject"),
}
RESULT_LABELS = {"cinema_code": N_("Cinema code")}

# -- who is acting ----------------------------------------------------------------------


def current_actor() -> Actor:
    """The signed-in user as services see them (call only behind login_required)."""
    return Actor.of(cast(User, current_user._get_current_object()), ip=request.remote_addr)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Sign-in required; then 403 unless the user has one of ``roles``."""
    allowed = frozenset(roles)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if Role(current_user.role) not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, login_required(wrapper))

    return decorate


def home_url(user: User) -> str:
    """Where ``user`` starts: their applications, their inbox, or administration."""
    role = Role(user.role)
    if role is Role.APPLICANT:
        return url_for("applicant.dashboard")
    if role is Role.ADMIN:
        return url_for("admin.definitions")
    return url_for("review.inbox")


def is_safe_path(target: str | None) -> bool:
    """Whether ``target`` is a path on this site (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 0x20 for ch in target):  # noqa: PLR2004
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if target is not None and is_safe_path(target) else default


def page_locale() -> str:
    """The page language: "en", or the Chinese locale (Babel spells it "zh_Hans_CN")."""
    return str(get_locale() or "zh_CN")


# -- forms ----------------------------------------------------------------------------------


class PageForm(FlaskForm):
    """Base of every page form, static or compiled from a form definition."""

    class Meta:
        # CSRFProtect checks every POST before a view runs; templates add the
        # token with csrf_token(), so forms need not check it a second time.
        csrf = False

        def get_translations(self, form: Any) -> Translations:
            return Translations()


def translate_errors(errors: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Service error messages (English message ids) in the page language."""
    return {key: [gettext(m) for m in messages] for key, messages in errors.items()}


def attach_errors(form: Any, errors: Mapping[str, list[str]]) -> None:
    """Show ``errors`` (dotted paths) on the form's fields.

    Messages that belong to no field become form-level errors (``form.form_errors``).
    """
    for path, messages in errors.items():
        field = field_at(form, path.split("."))
        if field is None:
            form.form_errors.extend(m for m in messages if m not in form.form_errors)
        else:
            own = [m for m in field.errors if isinstance(m, str)]
            field.errors = own + [m for m in messages if m not in own]


def field_at(form: Any, parts: list[str]) -> Any:
    """The field at a dotted error path split into ``parts`` ("halls", "0", "seats"), or None."""
    head, rest = parts[0], parts[1:]
    if head not in form:
        return None
    field = form[head]
    if not rest:
        return field
    entries = getattr(field, "entries", None)
    if entries is None or len(rest) < 2 or not rest[0].isdigit():  # noqa: PLR2004
        return None
    for entry in entries:
        if entry.index == int(rest[0]):
            return field_at(entry.form, rest[1:])
    return None


def item_kind(item: Any) -> str:
    """ "field", "slot" or "text": how a template shows a section item."""
    if isinstance(item, FieldSpec):
        return "field"
    if isinstance(item, DocumentSlot):
        return "slot"
    if isinstance(item, StaticText):
        return "text"
    raise TypeError(item)


def section_groups(definition: FormDefinition, items: Iterable[str]) -> list[tuple[str, Any]]:
    """A section's items for reading: runs of single values, and each list on its own.

    Returns ("values", [items]) and ("list", spec) pairs in display order.
    """
    groups: list[tuple[str, Any]] = []
    for key in items:
        item = definition.item(key)
        if isinstance(item, FieldSpec) and item.kind == "list":
            groups.append(("list", item))
        elif groups and groups[-1][0] == "values":
            groups[-1][1].append(item)
        else:
            groups.append(("values", [item]))
    return groups


def display_value(spec: FieldSpec, value: Any) -> str:
    """A stored value as a reader sees it: choice labels, 是/否, China time, "—" for nothing."""
    if value is None or value in ("", []):
        return "—"
    if spec.kind == "checkbox":
        return gettext("Yes") if value else gettext("No")
    if spec.kind == "datetime" and isinstance(value, str):
        try:
            return china_time(parse_datetime(value))
        except ValueError:
            return value
    labels = {c.value: c.label_for(page_locale()) for c in spec.choices}
    if isinstance(value, list):
        separator = ", " if page_locale() == "en" else "、"
        return separator.join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))


def slot_label(definition: FormDefinition, key: str) -> str:
    try:
        return definition.slot(key).label_for(page_locale())
    except KeyError:
        return key


# -- names and labels -------------------------------------------------------------------


def _label(labels: Mapping[str, str], value: Any) -> str:
    key = str(value) if value is not None else ""
    return gettext(labels[key]) if key in labels else key


def place_name(scope: str | None) -> str:
    """The division a staff scope covers, e.g. "43" → "湖南省"; "" for nationwide."""
    if not scope:
        return ""
    division = lookup(scope.ljust(6, "0"))
    return division.full_name if division else scope


def process_name(definition: ProcessDefinition) -> str:
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
    role = _label(ROLE_LABELS, task.role)
    return f"{place} {role}" if place else role


def user_role_text(user: User) -> str:
    """The role shown beside a user's name in the header."""
    role = _label(ROLE_LABELS, user.role)
    if user.organization is not None:
        return f"{user.organization.name} · {role}"
    place = place_name(user.scope)
    return f"{place} {role}" if place else role


def shown_results(result: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """The results an applicant is given (a cinema code), without the process's own
    bookkeeping (e.g. which notifications were sent)."""
    return [(key, value) for key, value in (result or {}).items() if key in RESULT_LABELS]


def latest_reason(events: Iterable[AuditEvent]) -> AuditEvent | None:
    """The newest return or rejection with its reasons, if any."""
    reasons = [e for e in events if e.action == "completed" and e.decision in ("return", "reject")]
    return reasons[-1] if reasons else None


def china_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("PORTAL_TIMEZONE", "Asia/Shanghai"))


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


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:  # noqa: PLR2004
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def lang_url(code: str) -> str:
    """The language switch link for the current page."""
    here = request.full_path if request.query_string else request.path
    return url_for("public.set_language", code=code, next=here)


def init_app(app: Flask) -> None:
    """Make the filters and helpers available to every template."""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        china_time=china_time,
        filesize=filesize,
        short_hash=lambda value: (value or "")[:12],
        status_label=lambda value: _label(STATUS_LABELS, value),
        role_label=lambda value: _label(ROLE_LABELS, value),
        org_type_label=lambda value: _label(ORG_TYPE_LABELS, value),
        action_label=lambda value: _label(ACTION_LABELS, value),
        decision_label=lambda value: _label(DECISION_LABELS, value),
        result_label=lambda value: _label(RESULT_LABELS, value),
        deadline_moment=deadline_moment,
    )
    app.jinja_env.globals.update(
        page_locale=page_locale,
        place_name=place_name,
        process_name=process_name,
        task_name=task_name,
        event_task_name=event_task_name,
        task_holder=task_holder,
        user_role_text=user_role_text,
        deadline_of=deadline_of,
        is_application_form_task=is_application_form_task,
        shown_results=shown_results,
        provisional_explanation=lambda: gettext(PROVISIONAL_EXPLANATION),
        item_kind=item_kind,
        display_value=display_value,
        section_groups=section_groups,
        slot_label=slot_label,
        lang_url=lang_url,
        home_url=home_url,
    )
