"""Flask CLI commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

import os

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from forms.divisions import normalize_scope
from portal import migrations
from portal.demo import DEMO_PASSWORD, seed
from portal.extensions import db, documents
from portal.models import Organization, Role
from portal.services.accounts import AccountService
from portal.services.definitions import DefinitionService
from portal.services.errors import ServiceError

db_cli = AppGroup("db", help="Create, migrate and check the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema, then publish the shipped BPMN files."""
    migrations.upgrade(db.engine, revision)
    published = DefinitionService(db.session).sync_builtin()
    click.echo(f"Schema at {revision}; {len(published)} new process definition(s) published.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION."""
    migrations.downgrade(db.engine, revision)


@db_cli.command("check")
def db_check() -> None:
    """Fail when the models and the migrated schema disagree."""
    drift = migrations.schema_drift(db.engine)
    if drift:
        for difference in drift:
            click.echo(f"  {difference}", err=True)
        raise click.ClickException("models and migrations disagree")
    click.echo("Models and migrations agree.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    config = migrations.alembic_config(db.engine.url.render_as_string(hide_password=False))
    command.revision(config, message=message, autogenerate=True)


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--scope", default="", help="GB/T 2260 code: 43, 430000, 430102 ...")
@click.option("--org-uscc", default=None, help="The organisation of an applicant user.")
@click.option("--name", default=None, help="Display name (default: the user name).")
def create_user(
    username: str, role: str, scope: str, org_uscc: str | None, name: str | None
) -> None:
    """Create a user. The password comes from PORTAL_PASSWORD, else a prompt."""
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
    click.echo(f"Created {user.username} ({user.role}, scope {user.scope or 'nationwide'}).")


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow it in production (demo passwords!).")
def seed_demo(force: bool) -> None:
    """Load demo organisations, users of every role and sample applications."""
    if current_app.config["PORTAL_ENV"] == "production" and not force:
        raise click.ClickException("demo accounts share one known password; not in production")
    for line in seed(db.session, documents.store):
        click.echo(f"  {line}")
    click.echo(f"Demo data ready. Every demo account's password is {DEMO_PASSWORD}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
