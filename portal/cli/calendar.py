"""``flask --app wsgi calendar ...``: show, enter and seed the working calendar."""

from __future__ import annotations

from typing import TextIO

import click
from flask.cli import AppGroup

from portal.applications.timers import year_hooks
from portal.calendar.arrangement import CalendarInvalid
from portal.calendar.services import Arrangement, CalendarService, package_years
from portal.calendar.workdays import Day
from portal.core.clock import CHINA
from portal.core.errors import NotFound
from portal.core.extensions import db, processes

calendar_cli = AppGroup(
    "calendar", help="The working calendar: holidays and make-up working days by year."
)


@calendar_cli.command("show")
@click.argument("year", type=int)
def show(year: int) -> None:
    """Print YEAR's holidays and make-up working days and where they come from."""
    try:
        arrangement = CalendarService(db.session).arrangement(year)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{year}: {_status(arrangement)}")
    _echo_days("Holidays", arrangement.holidays)
    _echo_days("Make-up working days", arrangement.workdays)


def _status(arrangement: Arrangement) -> str:
    record = arrangement.record
    if record is None:
        return "provisional (not entered: weekends and statutory holidays only)"
    entered = record.entered_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M China time")
    if record.source == "package":
        return f"package (official data of the chinese-calendar package, stored {entered})"
    who = f" by {record.entered_by.username}" if record.entered_by else ""
    note = f"; note: {record.note}" if record.note else ""
    return f"official (entered{who} {entered}{note})"


def _echo_days(title: str, days: list[Day]) -> None:
    click.echo(f"{title}:")
    for day, name in days:
        click.echo(f"  {day.isoformat()} {day.strftime('%a')} {name}")
    if not days:
        click.echo("  none")


@calendar_cli.command("enter")
@click.argument("year", type=int)
@click.option(
    "--holidays",
    "holidays_file",
    type=click.File(encoding="utf-8"),
    required=True,
    help='Holidays, one "2027-01-01 元旦" or "2027-02-05..2027-02-11 春节" a line ("-": stdin).',
)
@click.option(
    "--workdays",
    "workdays_file",
    type=click.File(encoding="utf-8"),
    default=None,
    help="Make-up working days (weekends), one a line, same format.",
)
@click.option("--note", default="", help="For example the State Council notice.")
@click.option(
    "--allow-missing-statutory", is_flag=True, help="Accept a list without every statutory holiday."
)
def enter(
    year: int,
    holidays_file: TextIO,
    workdays_file: TextIO | None,
    note: str,
    allow_missing_statutory: bool,
) -> None:
    """Store YEAR's official arrangement, replacing what is stored for it."""
    try:
        record = CalendarService(
            db.session, on_year_entered=year_hooks(processes.platform)
        ).enter_year_text(
            None,
            year,
            holidays_file.read(),
            workdays_file.read() if workdays_file else "",
            note,
            allow_missing_statutory=allow_missing_statutory,
        )
    except CalendarInvalid as exc:
        problems = "\n".join(f"  {p.field}: {p.text()}" for p in exc.problems)
        raise click.ClickException(f"{year} was not stored:\n{problems}") from exc
    days = CalendarService(db.session).days(record.year)
    workdays = sum(day.is_workday for day in days)
    click.echo(
        f"Stored the official calendar of {record.year}: "
        f"{len(days) - workdays} holiday(s), {workdays} make-up working day(s)."
    )


@calendar_cli.command("seed")
def seed() -> None:
    """Store the chinese-calendar package's years not stored yet."""
    added = CalendarService(db.session).seed_from_package()
    covered = package_years()
    if added:
        click.echo(f"Added {len(added)} year(s) from the package: {', '.join(map(str, added))}.")
    else:
        click.echo(f"Every year of the package ({covered[0]}-{covered[-1]}) is already stored.")
