"""``flask --app wsgi processes ...``: publish a process package from a folder."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.applications.definitions import DefinitionRejected, DefinitionService
from portal.core.extensions import db, processes

processes_cli = AppGroup("processes", help="Publish and list process packages.")


@processes_cli.command("publish")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def publish(directory: Path) -> None:
    """Publish the package in DIRECTORY (process.bpmn, forms/*.json, manifest.json)
    as the next version of its process, as an administrator would."""
    service = DefinitionService(db.session, processes.platform.registry)
    try:
        definition, created = service.publish_package(directory)
    except DefinitionRejected as exc:
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(f"{directory}: the package is invalid") from exc
    if created:
        click.echo(f"Published {definition.key} version {definition.version}.")
    else:
        click.echo(f"Unchanged: {definition.key} version {definition.version} has this content.")


@processes_cli.command("list")
def list_processes() -> None:
    """Every process with its newest version."""
    for definition in DefinitionService(db.session, processes.platform.registry).latest_all():
        click.echo(f"{definition.key}\tversion {definition.version}\t{definition.name}")
