"""Administration: process definitions (list and publish), the user list and the
certificates issued."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.accounts.models import Role, User
from portal.admin.forms import PublishForm
from portal.applications.definitions import DefinitionRejected, DefinitionService
from portal.applications.models import ProcessDefinition
from portal.core.extensions import db, processes
from portal.core.input_guards import JsonRefused, load_json, upload_limit
from portal.core.paging import SortKey, first_link, next_link, page_request, paginate
from portal.issuance.services import CertificateService
from portal.issuance.status import certificate_status
from portal.pages.viewhelpers import current_actor, roles_required
from workflows.errors import Problem

bp = Blueprint("admin", __name__, url_prefix="/admin")
USER_ORDER = (SortKey.asc(User.role), SortKey.asc(User.username), SortKey.asc(User.id))
admin_only = roles_required(Role.ADMIN)


@bp.get("/")
@admin_only
def index() -> Response:
    """Administration starts with the process definitions."""
    return redirect(url_for(".definitions"))


@bp.route("/definitions", methods=["GET", "POST"])
@upload_limit("MAX_DEFINITION_LENGTH")
@admin_only
def definitions() -> Response | str:
    """Every process with all its versions; publishing a new version.

    A rejected upload lists every problem found (message, element, line).

    :raise 413: the upload is larger than ``MAX_DEFINITION_LENGTH`` (refused
        before it is read).
    """
    service = DefinitionService(db.session, processes.platform.registry)
    form = PublishForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        schemas, problems = _read_forms(form.forms.data or [])
        manifest, manifest_problems = _read_manifest(form.manifest.data)
        problems += manifest_problems
        if not problems:
            try:
                definition, created = service.publish(
                    form.bpmn.data.read(), schemas, manifest=manifest, actor=current_actor()
                )
            except DefinitionRejected as exc:
                problems = exc.problems
            else:
                message = (
                    gettext(
                        "Published %(key)s version %(version)s.",
                        key=definition.key,
                        version=definition.version,
                    )
                    if created
                    else gettext(
                        "Identical content is already published as %(key)s version %(version)s.",
                        key=definition.key,
                        version=definition.version,
                    )
                )
                flash(message, "success" if created else "info")
                return redirect(url_for(".definitions"))
    return render_template(
        "admin/definitions.html",
        form=form,
        problems=problems,
        processes=_by_key(service.all_versions()),
    )


@bp.get("/users")
@admin_only
def users() -> str:
    """The users by role then user name, with role, area or organisation and last
    sign-in (read-only), a page at a time by keyset (``?cursor=``, ``?limit=``): one
    statement a page, the organisations joined.

    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request()
    page = paginate(
        db.session,
        sa.select(User).options(joinedload(User.organization)),
        USER_ORDER,
        cursor=wanted.cursor,
        limit=wanted.limit,
    )
    return render_template(
        "admin/users.html", users=page.items, next_url=next_link(page), first_url=first_link()
    )


@bp.get("/certificates")
@admin_only
def certificates() -> str:
    """The certificates issued, newest first, with their holders and live status, a
    page at a time by keyset (``?cursor=``, ``?limit=``): one statement a page. Each
    links to its verification page, where it can be revoked.

    :raise 422: a ``cursor`` or ``limit`` that is not valid.
    """
    wanted = page_request()
    page = CertificateService(db.session, processes.platform.issuing).latest(
        cursor=wanted.cursor, limit=wanted.limit
    )
    return render_template(
        "admin/certificates.html",
        certificates=[(c, certificate_status(c)) for c in page.items],
        next_url=next_link(page),
        first_url=first_link(),
    )


def _read_forms(uploads: Iterable[FileStorage]) -> tuple[dict[str, Any], list[Problem]]:
    """The uploaded form-js schemas by file name, or what is wrong with them."""
    schemas: dict[str, Any] = {}
    problems: list[Problem] = []
    for upload in uploads:
        if not upload or not upload.filename:
            continue
        try:
            schema = load_json(upload.stream.read())
        except JsonRefused as exc:
            problems.append(Problem(f"{upload.filename}: {gettext(exc.message)}"))
            continue
        except ValueError:
            problems.append(Problem(gettext("%(file)s: not valid JSON.", file=upload.filename)))
            continue
        if not isinstance(schema, dict):
            problems.append(
                Problem(gettext("%(file)s: not a form-js schema.", file=upload.filename))
            )
            continue
        schemas[upload.filename] = schema
    return schemas, problems


def _read_manifest(upload: FileStorage | None) -> tuple[Any | None, list[Problem]]:
    """The uploaded manifest (parsed JSON), or what is wrong with it."""
    if not upload or not upload.filename:
        return None, []
    try:
        return load_json(upload.stream.read()), []
    except JsonRefused as exc:
        return None, [Problem(f"{upload.filename}: {gettext(exc.message)}")]
    except ValueError:
        return None, [Problem(gettext("%(file)s: not valid JSON.", file=upload.filename))]


def _by_key(definitions: list[ProcessDefinition]) -> dict[str, list[ProcessDefinition]]:
    grouped: dict[str, list[ProcessDefinition]] = {}
    for definition in definitions:
        grouped.setdefault(definition.key, []).append(definition)
    return grouped
