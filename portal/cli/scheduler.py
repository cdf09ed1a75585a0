"""``flask --app wsgi tick`` and ``scheduler``: firing BPMN timers when they are due."""

from __future__ import annotations

import logging
import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.applications.timers import TimerService
from portal.core.extensions import db, processes

log = logging.getLogger(__name__)


@click.command("tick")
@click.option("--limit", type=int, default=None, help="Handle at most this many timers.")
@with_appcontext
def tick(limit: int | None) -> None:
    """Fire every timer that is due, once, then exit. Safe on several machines at once."""
    result = TimerService(db.session, processes.platform).fire_due(limit=limit)
    click.echo(
        f"{result.fired} timer(s) fired" + (f", {result.failed} failed" if result.failed else "")
    )
    if result.failed:
        raise SystemExit(1)


@click.command("scheduler")
@click.option(
    "--interval", type=float, default=30.0, show_default=True, help="Seconds between ticks."
)
@with_appcontext
def scheduler(interval: float) -> None:
    """Run ``tick`` every INTERVAL seconds until stopped (what ``make run`` starts)."""
    click.echo(f"Scheduler: a tick every {interval:g} s")
    while True:
        try:
            result = TimerService(db.session, processes.platform).fire_due()
        except sa.exc.SQLAlchemyError:
            # The database may be restarting; the timers wait for the next tick.
            log.exception("tick failed")
        else:
            if result.fired or result.failed:
                click.echo(f"{result.fired} timer(s) fired, {result.failed} failed")
        finally:
            db.session.close()
        time.sleep(interval)
