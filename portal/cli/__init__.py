"""Flask CLI commands: ``flask --app wsgi <command>``, one module per area."""

from __future__ import annotations

from flask import Flask

from portal.cli import calendar, database, demo, keys, processes, scheduler, users


def init_app(app: Flask) -> None:
    app.cli.add_command(database.db_cli)
    app.cli.add_command(users.create_user)
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(calendar.calendar_cli)
    app.cli.add_command(keys.keys_cli)
    app.cli.add_command(scheduler.tick)
    app.cli.add_command(scheduler.scheduler)
    app.cli.add_command(processes.processes_cli)
