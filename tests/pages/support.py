"""Helpers for driving the pages as a browser would."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from forms import to_formdata
from portal.applications.models import Application
from portal.core.extensions import db
from tests.helpers import Auth, cinema_data, minimal_pdf

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def text(response: TestResponse) -> str:
    """The page's visible text: tags dropped, whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style|template)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A new client of ``app``, signed in through the login page."""
    client = app.test_client()
    response = Auth(client).login(username)
    assert response.status_code == 302, text(response)
    return client


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def application_id(response: TestResponse) -> uuid.UUID:
    """The application id in a redirect to one of its pages."""
    match = re.search(UUID_RE, response.headers["Location"])
    assert match, response.headers["Location"]
    return uuid.UUID(match.group(0))


def task_ids(page: TestResponse) -> list[str]:
    """Task links on an inbox page, in order."""
    return list(
        dict.fromkeys(re.findall(rf"/review/tasks/({UUID_RE})", page.get_data(as_text=True)))
    )


def cinema_form(action: str = "save", **overrides: Any) -> MultiDict[str, Any]:
    """The edit page's form data for a complete cinema registration."""
    formdata = to_formdata(cinema_data(**overrides))
    formdata.add("action", action)
    return formdata


def pdf(name: str = "licence.pdf", content: bytes | None = None) -> tuple[io.BytesIO, str]:
    return io.BytesIO(minimal_pdf() if content is None else content), name


def with_licences(formdata: MultiDict[str, Any]) -> MultiDict[str, Any]:
    formdata.add("business_licence", pdf("business.pdf"))
    formdata.add("screening_licence", pdf("screening.pdf"))
    return formdata


def post_form(client: FlaskClient, url: str, formdata: MultiDict[str, Any]) -> TestResponse:
    return client.post(url, data=formdata, content_type="multipart/form-data")


def stored(app: Flask, url: str) -> Application:
    """The application a page URL ends with, read afresh from the database."""
    with app.app_context():
        found = db.session.get(Application, uuid.UUID(url.rsplit("/", 1)[-1]))
        assert found is not None
        db.session.expunge(found)
        return found
