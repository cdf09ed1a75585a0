"""``flask --app wsgi seed-demo``: demo organisations, users and applications."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.extensions import db, processes
from portal.demo import DEMO_PASSWORD, seed


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow it in production (demo passwords!).")
def seed_demo(force: bool) -> None:
    """Load demo organisations, users of every role and sample applications."""
    if current_app.config["PORTAL_ENV"] == "production" and not force:
        raise click.ClickException("demo accounts share one known password; not in production")
    for line in seed(db.session, processes.platform):
        click.echo(f"  {line}")
    click.echo(f"Demo data ready. Every demo account's password is {DEMO_PASSWORD}")
