"""``flask --app wsgi create-user``: staff accounts and extra users of an organisation."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from forms.divisions import normalize_scope
from portal.accounts.models import Organization, Role, User
from portal.accounts.services import AccountService
from portal.core.errors import ServiceError
from portal.core.extensions import db
from portal.core.transactions import transaction
from portal.mail.outbox import MAX_RECIPIENT


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--scope", default="", help="GB/T 2260 code: 43, 430000, 430102 ...")
@click.option("--org-uscc", default=None, help="The organisation of an applicant user.")
@click.option("--name", default=None, help="Display name (default: the user name).")
@click.option("--email", default=None, help="Where the organisation's messages are e-mailed.")
def create_user(
    *,
    username: str,
    role: str,
    scope: str,
    org_uscc: str | None,
    name: str | None,
    email: str | None,
) -> None:
    """Create a user. The password comes from PORTAL_PASSWORD, else a prompt."""
    email = (email or "").strip() or None
    if email is not None and not _looks_like_email(email):
        raise click.ClickException(f"not an e-mail address: {email!r}")
    password = os.environ.get("PORTAL_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    organization = None
    if org_uscc:
        organization = db.session.query(Organization).filter_by(uscc=org_uscc.upper()).one_or_none()
        if organization is None:
            raise click.ClickException(f"no organisation with USCC {org_uscc}")
    try:
        if scope:
            normalize_scope(scope)
        user = AccountService(db.session).create_user(
            username,
            password,
            role=Role(role),
            scope=scope,
            display_name=name,
            organization=organization,
        )
    except ServiceError as exc:
        details = "; ".join(
            f"{key}: {' '.join(messages)}" for key, messages in getattr(exc, "errors", {}).items()
        )
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    except ValueError as exc:
        raise click.ClickException(f"invalid scope {scope!r}: {exc}") from exc
    if email is not None:
        with transaction(db.session):
            stored = db.session.get(User, user.id)
            if stored is not None:
                stored.email = email
    click.echo(f"Created {user.username} ({user.role}, scope {user.scope or 'nationwide'}).")


def _looks_like_email(address: str) -> bool:
    """One ``@`` with something either side, no spaces, at most 254 characters."""
    local, at, domain = address.rpartition("@")
    return (
        bool(local and at and domain)
        and len(address) <= MAX_RECIPIENT
        and not any(c.isspace() for c in address)
    )
