"""Helpers for the refund and backfill pages: moments in China time, the
scheduler's tick, the edit page's form data, and applying through the API
where a test is about what comes after."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.helpers import Api, minimal_pdf
from tests.pages.support import UUID_RE

CHINA = ZoneInfo("Asia/Shanghai")
APPS = "/api/v1/applications"


@contextmanager
def at(*moment: int) -> Iterator[None]:
    """Stop the clock at ``moment`` (year, month, day, hour, ...) China time."""
    with time_machine.travel(datetime(*moment, tzinfo=CHINA), tick=False):
        yield


def tick(app: Flask) -> None:
    """Fire the due timers, as the scheduler does (``flask --app wsgi tick``)."""
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output


def refund_form(code: str, action: str = "save", **overrides: str) -> MultiDict[str, Any]:
    """The edit page's fields for a refund, as a browser sends them."""
    fields = {
        "cinema_code": code,
        "kind": "refund",
        "cause": "放映中停电，场次中断，当时无法在票务软件中退票。",
        "film": "长津湖",
        "hall": "1号厅",
        "show_start": "2026-09-29T19:00",
        "show_end": "2026-09-29T21:30",
        "ticket_count": "3",
        "amount": "135.00",
        "ticket_numbers": "T0001\r\nT0002\r\n\r\nT0003\r\n",
        "sale_date": "",
        "action": action,
    }
    fields.update(overrides)
    return MultiDict(fields)


def with_evidence(formdata: MultiDict[str, Any]) -> MultiDict[str, Any]:
    formdata.add("evidence", (io.BytesIO(minimal_pdf()), "停电通知.pdf"))
    return formdata


def api_submitted(client: Api, data: dict[str, Any]) -> dict[str, Any]:
    """Create, attach the evidence and submit through the API; the application."""
    created = client.post(APPS, json={"process": "refund_backfill", "data": data})
    assert created.status_code == 201, created.get_json()
    application_id = created.get_json()["id"]
    uploaded = client.upload(f"{APPS}/{application_id}/documents", "evidence", minimal_pdf())
    assert uploaded.status_code == 201, uploaded.get_json()
    submitted = client.post(f"{APPS}/{application_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    return dict(submitted.get_json())


def applicant_task_ids(page: TestResponse) -> list[str]:
    """Links to applicant task pages, in order."""
    found = re.findall(rf"/applicant/tasks/({UUID_RE})", page.get_data(as_text=True))
    return list(dict.fromkeys(found))


def escalation_ids(page: TestResponse) -> list[str]:
    """Links to read-only supervision pages, in order."""
    found = re.findall(rf"/review/escalations/({UUID_RE})", page.get_data(as_text=True))
    return list(dict.fromkeys(found))


def row_of(page: TestResponse, number: str) -> str:
    """The HTML of the first table row that mentions ``number``."""
    for row in re.findall(r"<tr\b.*?</tr>", page.get_data(as_text=True), flags=re.S):
        if number in row:
            return str(row)
    raise AssertionError(f"no row mentions {number}")
