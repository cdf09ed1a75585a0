"""Checks a process runs at submission, beyond what its form can check.

A process names its check in the BPMN (process property ``submit_check``).
A check sees the application's clean data and the database; it returns the
problems by field (shown to the applicant, nothing is submitted) and what it
derived, such as the division code that decides which reviewers see the
application.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.i18n import N_
from portal.models import Application, Cinema, CinemaStatus

CHINA = ZoneInfo("Asia/Shanghai")
BACKFILL_FREE_DAYS = 7


@dataclass
class CheckResult:
    errors: dict[str, list[str]] = field(default_factory=dict)
    division_code: str | None = None

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


SubmitCheck = Callable[[Session, Application, Mapping[str, Any]], CheckResult]
SUBMIT_CHECKS: dict[str, SubmitCheck] = {}


def submit_check(name: str) -> Callable[[SubmitCheck], SubmitCheck]:
    def register(check: SubmitCheck) -> SubmitCheck:
        SUBMIT_CHECKS[name] = check
        return check

    return register


@submit_check("refund_backfill")
def refund_backfill(
    session: Session, application: Application, data: Mapping[str, Any]
) -> CheckResult:
    """Only what needs approval may be applied for (000 §二(五)1-3).

    The cinema must be a registered, active cinema of the applicant; a refund
    only after the show has ended; a backfill only more than seven days after
    the sale. The cinema's county decides which province reviews it.
    """
    result = CheckResult()
    cinema = session.scalar(sa.select(Cinema).where(Cinema.code == data.get("cinema_code")))
    if cinema is None or cinema.organization_id != application.organization_id:
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
