"""``flask --app wsgi db ...``: create, migrate and check the schema."""

from __future__ import annotations

import click
import sqlalchemy as sa
from alembic import command
from flask.cli import AppGroup

from portal.applications.definitions import DefinitionService
from portal.calendar.services import CalendarService
from portal.core import migrations
from portal.core.extensions import db, processes

db_cli = AppGroup("db", help="Create, migrate and check the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema, then publish the shipped BPMN files and calendar years."""
    migrations.upgrade(db.engine, revision)
    published = DefinitionService(db.session, processes.platform.registry).sync_builtin()
    if sa.inspect(db.engine).has_table("calendar_years"):  # any revision from 0002
        CalendarService(db.session).seed_from_package()
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
