"""Signing in and out, and enterprise self-registration."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts.services import AccountService, Registration
from portal.auth.forms import LoginForm, RegistrationForm
from portal.core.errors import Conflict, Invalid, Unauthorized
from portal.core.extensions import db, limiter
from portal.pages.viewhelpers import (
    add_errors,
    attach_errors,
    home_url,
    refused_keys,
    safe_next,
    translate_errors,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_rate() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _registration_rate() -> str:
    return str(current_app.config["REGISTRATION_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login() -> Response | str:
    """Sign in; then go to a local ``next`` path or the user's home page.

    One message for every failure, so the page does not reveal which user
    names exist.
    """
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    problem = None
    if form.validate_on_submit():
        try:
            user = AccountService(db.session).authenticate(
                form.username.data or "", form.password.data or "", ip=request.remote_addr
            )
        except Unauthorized as exc:
            problem = gettext(exc.message)
        else:
            login_user(user)
            session.permanent = True
            flash(gettext("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(form.next.data, home_url(user)))
    return render_template("auth/login.html", form=form, problem=problem)


@bp.post("/logout")
def logout() -> Response:
    """Sign out (POST only, with the CSRF token, so a link cannot sign anyone out).

    The session ends on the server too: a copy of the cookie no longer works.
    """
    if current_user.is_authenticated:
        AccountService(db.session).end_sessions(current_user.id)
    logout_user()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_registration_rate, methods=["POST"])
def register() -> Response | str:
    """An enterprise signs itself up; its first user is signed in at once."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    form = RegistrationForm()
    if not form.is_submitted():
        return render_template("auth/register.html", form=form)
    # Every problem in one round: the form's own (a field left empty, the two
    # passwords differing) together with the account service's rules.
    form.validate()
    registration = Registration(
        org_name=form.org_name.data or "",
        uscc=(form.uscc.data or "").strip().upper(),
        org_type=form.org_type.data or "",
        contact_name=form.contact_name.data or "",
        mobile=(form.mobile.data or "").strip(),
        username=(form.username.data or "").strip(),
        password=form.password.data or "",
        email=(form.email.data or "").strip(),
    )
    service = AccountService(db.session)
    if refused_keys(form) or form.form_errors:
        add_errors(form, translate_errors(service.registration_problems(registration)))
        return render_template("auth/register.html", form=form)
    try:
        user = service.register_enterprise(registration, ip=request.remote_addr)
    except Invalid as exc:
        attach_errors(form, translate_errors(exc.errors))
    except Conflict as exc:
        form.form_errors.append(gettext(exc.message))
    else:
        login_user(user)
        session.permanent = True
        flash(gettext("Your organisation is registered and you are signed in."), "success")
        return redirect(url_for("applicant.dashboard"))
    return render_template("auth/register.html", form=form)
