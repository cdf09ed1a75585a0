"""What the page blueprints share: the acting user, access rules for areas,
safe redirects, the base class of page forms and the form-rendering helpers,
and the registration of every template filter and global (the display
helpers live in :mod:`portal.pages.display`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from forms import DocumentSlot, FieldSpec, FormDefinition, StaticText
from forms.fields import parse_datetime
from portal.accounts.models import Role, User
from portal.applications.definitions import form_of
from portal.applications.models import ProcessDefinition, Task
from portal.applications.progress import step_bar, time_limit
from portal.core.actor import Actor
from portal.core.extensions import db, processes
from portal.core.i18n import Translations
from portal.documents.models import Document
from portal.pages.display import (
    CERTIFICATE_STATUS_LABELS,
    DECISION_LABELS,
    FILING_STATUS_LABELS,
    ORG_TYPE_LABELS,
    PROVISIONAL_EXPLANATION,
    ROLE_LABELS,
    STATUS_LABELS,
    action_label,
    certificate_type_label,
    china_day,
    china_time,
    deadline_moment,
    deadline_of,
    event_task_name,
    filesize,
    inbox_scope_text,
    is_application_form_task,
    label,
    long_date,
    page_locale,
    place_name,
    process_name,
    registered_label,
    shown_results,
    task_holder,
    task_name,
    time_limit_text,
    user_role_text,
)

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = frozenset(r for r in Role if r not in (Role.APPLICANT, Role.ADMIN))


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


def add_errors(form: Any, errors: Mapping[str, list[str]]) -> None:
    """Show ``errors`` (dotted paths) beside the form's own, except on fields that
    already show one: there the form's message stands alone (a value it refused
    is not also "required" because the service never received it).
    """
    attach_errors(
        form,
        {
            path: messages
            for path, messages in errors.items()
            if not _shows_error(field_at(form, path.split(".")))
        },
    )


def refused_keys(form: Any) -> frozenset[str]:
    """The top-level keys of the fields (and lists) that show an error."""
    return frozenset(field.short_name for field in form if _shows_error(field))


def _shows_error(field: Any) -> bool:
    if field is None:
        return False
    if any(isinstance(m, str) for m in field.errors):
        return True
    return any(
        _shows_error(child) for entry in getattr(field, "entries", ()) for child in entry.form
    )


def current_slots(documents: Iterable[Document], task: Task | None = None) -> dict[str, Document]:
    """The newest stored version in each slot: of ``task``'s form, or of the
    application form without one. ``documents`` come oldest version first."""
    task_id = task.id if task is not None else None
    return {d.slot: d for d in documents if d.task_id == task_id}


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


def slot_label(
    definition: FormDefinition, key: str, process: ProcessDefinition | None = None
) -> str:
    """The label of slot ``key`` of ``definition``, else of any form of ``process``
    (a document uploaded to a task, such as a test report), else the key."""
    forms = [definition]
    if process is not None:
        forms += [form_of(process, form_key) for form_key in sorted(process.forms)]
    for form in forms:
        try:
            return form.slot(key).label_for(page_locale())
        except KeyError:
            continue
    return key


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
        status_label=lambda value: label(STATUS_LABELS, value),
        role_label=lambda value: label(ROLE_LABELS, value),
        org_type_label=lambda value: label(ORG_TYPE_LABELS, value),
        action_label=action_label,
        decision_label=lambda value: label(DECISION_LABELS, value),
        deadline_moment=deadline_moment,
        certificate_status_label=lambda value: label(CERTIFICATE_STATUS_LABELS, value),
        certificate_type_label=certificate_type_label,
        filing_status_label=lambda value: label(FILING_STATUS_LABELS, value),
        variant_label=lambda value: registered_label("values", value),
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
        time_limit_of=lambda task: time_limit(db.session, task),
        time_limit_text=time_limit_text,
        inbox_scope_text=inbox_scope_text,
        step_bar=step_bar,
        is_application_form_task=is_application_form_task,
        shown_results=shown_results,
        provisional_explanation=lambda: gettext(PROVISIONAL_EXPLANATION),
        item_kind=item_kind,
        display_value=display_value,
        section_groups=section_groups,
        slot_label=slot_label,
        lang_url=lang_url,
        home_url=home_url,
        public_links=lambda: processes.platform.registry.public_links,
        long_date=lambda day: long_date(day) if day is not None else "",
        china_day=china_day,
    )
