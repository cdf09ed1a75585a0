"""The public progress lookup 办件进度查询: anyone holding an application's acceptance
number and its applicant's unified social credit code sees where it stands.

It shows the status and the open steps (the task, the authority holding it, its
deadline) and nothing else: no form data, no documents, no names. A wrong pair
and an unknown number get the same answer, so the page tells nobody which
acceptance numbers exist, and lookups are rate-limited per address
(``PROGRESS_RATE_LIMIT``, default 10 per minute and 60 per hour). The lookup is a
POST, so the code never lands in a URL, a proxy's log or the browser's history.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_babel import gettext
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response as BaseResponse

from forms.validators import is_valid_uscc
from portal.accounts.models import Organization
from portal.applications.models import Application, ApplicationStatus, Task, TaskState
from portal.core.extensions import db, limiter
from portal.public.routes import bp

MAX_NUMBER = 32
USCC_LENGTH = 18


@dataclass(frozen=True)
class Progress:
    """What the public may know of an application: its status and its open steps."""

    application: Application
    open_tasks: list[Task]


def find_progress(session: Session, number: str, uscc: str) -> Progress | None:
    """The progress of the application with acceptance ``number`` whose applicant
    has the credit code ``uscc``; ``None`` when there is none, whichever of the two
    does not match (and for drafts, which have no acceptance number)."""
    application = session.scalar(
        sa.select(Application)
        .join(Organization, Organization.id == Application.organization_id)
        .options(joinedload(Application.definition), selectinload(Application.tasks))
        .where(
            Application.number == number,
            Organization.uscc == uscc,
            Application.status != ApplicationStatus.DRAFT,
        )
    )
    if application is None:
        return None
    open_tasks = [task for task in application.tasks if task.state == TaskState.OPEN]
    return Progress(application, open_tasks)


def _rate() -> str:
    return str(current_app.config["PROGRESS_RATE_LIMIT"])


@bp.route("/progress", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def progress() -> BaseResponse:
    """The lookup form (GET); the application's status and open steps (POST).

    :raise 404: no application with this acceptance number and this credit code
        (the form again, saying so; the same for either being wrong).
    :raise 422: a field empty or malformed (the form again, with the errors).
    :raise 429: too many lookups from this address.
    """
    if request.method == "GET":
        return _page(render_template("public/progress.html", values={}, errors={}), 200)
    number = request.form.get("number", "").strip().upper()
    uscc = request.form.get("uscc", "").strip().upper()
    values = {"number": number, "uscc": uscc}
    errors = _errors(number, uscc)
    if errors:
        return _page(render_template("public/progress.html", values=values, errors=errors), 422)
    found = find_progress(db.session, number, uscc)
    if found is None:
        page = render_template("public/progress.html", values=values, errors={}, not_found=True)
        return _page(page, 404)
    return _page(
        render_template("public/progress.html", values=values, errors={}, found=found), 200
    )


def _errors(number: str, uscc: str) -> dict[str, str]:
    errors = {}
    if not number:
        errors["number"] = gettext("Enter the acceptance number.")
    elif len(number) > MAX_NUMBER or any(c.isspace() for c in number):
        errors["number"] = gettext("This is not an acceptance number: check what you typed.")
    if not uscc:
        errors["uscc"] = gettext("Enter the applicant's unified social credit code.")
    elif len(uscc) != USCC_LENGTH or not is_valid_uscc(uscc):
        errors["uscc"] = gettext(
            "This is not a valid unified social credit code: it has 18 characters "
            "and its last one is a check character."
        )
    return errors


def _page(page: str, status: int) -> BaseResponse:
    """The status as it is now, never from a cache."""
    response = BaseResponse(page, status=status, mimetype="text/html")
    response.cache_control.no_store = True
    return response
