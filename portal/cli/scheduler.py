"""``flask --app wsgi tick`` and ``scheduler``: firing BPMN timers when they are due,
then sending the e-mails waiting in the outbox, clearing abandoned uploads and
topping up the pool of key pairs for digital certificates."""

from __future__ import annotations

import logging
import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.applications.timers import TickResult, TimerService
from portal.core.extensions import db, processes
from portal.issuance.key_pool import KeyPool
from portal.mail.outbox import DeliveryResult, OutboxService
from storage.partial import PartialUploads

log = logging.getLogger(__name__)


ABANDONED_UPLOAD_SECONDS = 24 * 3600
"""An unfinished resumable upload nobody has added to for a day is deleted."""


def run_tick(limit: int | None = None) -> tuple[TickResult, DeliveryResult]:
    """Fire the due timers, then send the due e-mails (those the timers just wrote too),
    then delete abandoned unfinished uploads, then add a few key pairs to the pool
    when it holds fewer than ``KEY_POOL_SIZE``."""
    result = TimerService(db.session, processes.platform).fire_due(limit=limit)
    mail = OutboxService(db.session, processes.platform.issuing.outbox).deliver_due()
    purged = PartialUploads(current_app.config["UPLOAD_DIR"]).purge(ABANDONED_UPLOAD_SECONDS)
    if purged:
        log.info("deleted %d abandoned unfinished upload(s)", purged)
    issuing = processes.platform.issuing
    if issuing.key_pool_size > 0:
        filled = KeyPool(db.session, issuing.keys).fill(issuing.key_pool_size)
        if filled.added:
            log.info("added %d key pair(s) to the pool", filled.added)
    return result, mail


@click.command("tick")
@click.option("--limit", type=int, default=None, help="Handle at most this many timers.")
@with_appcontext
def tick(limit: int | None) -> None:
    """Fire every timer that is due, once, send the e-mails that are due, then exit.
    Safe on several machines at once. A failed e-mail is retried later and does
    not fail the tick."""
    result, mail = run_tick(limit)
    click.echo(
        f"{result.fired} timer(s) fired" + (f", {result.failed} failed" if result.failed else "")
    )
    if mail.sent or mail.failed:
        click.echo(f"{mail.sent} e-mail(s) sent, {mail.failed} to retry")
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
            result, mail = run_tick()
        except sa.exc.SQLAlchemyError:
            # The database may be restarting; the timers wait for the next tick.
            log.exception("tick failed")
        else:
            if result.fired or result.failed:
                click.echo(f"{result.fired} timer(s) fired, {result.failed} failed")
            if mail.sent or mail.failed:
                click.echo(f"{mail.sent} e-mail(s) sent, {mail.failed} to retry")
        finally:
            db.session.close()
        time.sleep(interval)
