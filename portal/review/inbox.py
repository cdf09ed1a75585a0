"""The inbox's query string: tab and search filters, checked (the page's
``cursor`` and ``limit`` are read by :func:`portal.core.paging.page_request`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from portal.applications.tasks import InboxQuery, InboxTab
from portal.core.i18n import N_

MAX_SEARCH = 100


def parse_query(args: Mapping[str, str]) -> tuple[InboxQuery, dict[str, str]]:
    """The inbox query the request asks for, and the problems of its parameters
    (parameter → English message id); with problems, the query holds the valid rest."""
    problems: dict[str, str] = {}
    tab = InboxTab.OPEN
    raw_tab = args.get("tab", "") or "open"
    try:
        tab = InboxTab(raw_tab)
    except ValueError:
        problems["tab"] = N_("Unknown tab.")
    number = (args.get("number") or "").strip()
    applicant = (args.get("applicant") or "").strip()
    for key, value in (("number", number), ("applicant", applicant)):
        if len(value) > MAX_SEARCH:
            problems[key] = N_("At most 100 characters.")
    days: dict[str, date | None] = {}
    for key in ("submitted_from", "submitted_to"):
        raw = (args.get(key) or "").strip()
        days[key] = None
        if raw:
            try:
                days[key] = date.fromisoformat(raw)
            except ValueError:
                problems[key] = N_("Enter a date as YYYY-MM-DD.")
    first, last = days["submitted_from"], days["submitted_to"]
    if first is not None and last is not None and first > last:
        problems["submitted_to"] = N_("The end date is before the start date.")
    query = InboxQuery(
        tab=tab,
        number=number[:MAX_SEARCH],
        applicant=applicant[:MAX_SEARCH],
        submitted_from=first,
        submitted_to=last if "submitted_to" not in problems else None,
    )
    return query, problems
