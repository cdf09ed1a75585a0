"""The refund and backfill submission check (000 §二(五)1-3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.checks import CheckResult, Submission
from portal.cinemas.models import Cinema, CinemaStatus
from portal.core.clock import CHINA, utcnow
from portal.core.i18n import N_

BACKFILL_FREE_DAYS = 7


def only_what_needs_approval(session: Session, submission: Submission) -> CheckResult:
    """Only what needs approval may be applied for (000 §二(五)1-3).

    The cinema must be a registered, active cinema of the applicant; a refund
    only after the show has ended; a backfill only more than seven days after
    the sale. The cinema's county decides which province reviews it.
    """
    result = CheckResult()
    data = submission.data
    cinema = session.scalar(sa.select(Cinema).where(Cinema.code == data.get("cinema_code")))
    if cinema is None or cinema.organization_id != submission.application.organization_id:
        result.add("cinema_code", N_("No registered cinema of your organisation has this code."))
    elif cinema.status != CinemaStatus.ACTIVE:
        result.add(
            "cinema_code",
            N_("This cinema is suspended or closed; it cannot apply until it reopens."),
        )
    else:
        result.division_code = cinema.division_code
    now = utcnow()
    show_start, show_end = _moment(data.get("show_start")), _moment(data.get("show_end"))
    if show_start and show_end and show_end <= show_start:
        result.add("show_end", N_("The show must end after it starts."))
    if data.get("kind") == "refund" and show_end and show_end > now:
        result.add(
            "show_end",
            N_(
                "The show has not ended: refund the tickets in the ticketing system before "
                "the show ends; that needs no approval."
            ),
        )
    if data.get("kind") == "backfill":
        sale = _day(data.get("sale_date"))
        today = now.astimezone(CHINA).date()
        if sale is not None and sale > today:
            result.add("sale_date", N_("The sale date cannot be in the future."))
        elif sale is not None and today - sale <= timedelta(days=BACKFILL_FREE_DAYS):
            result.add(
                "sale_date",
                N_(
                    "Backup tickets sold within the last seven days are entered in the "
                    "ticketing system directly; that needs no approval."
                ),
            )
    return result


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None
