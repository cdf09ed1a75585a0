"""The lists on the signed-in pages read a page at a time: a next-page link while
more follow, a first-page link once the reader has moved on, every row once."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import Factory
from tests.pages.support import signed_in, task_ids, text
from tests.services.listed import Readers, readers, seed

ROWS = 30


@pytest.fixture
def people(app: Flask, factory: Factory) -> Readers:
    found = readers(factory)
    seed(app, found, ROWS)
    return found


def english(app: Flask, username: str) -> FlaskClient:
    client = signed_in(app, username)
    client.get("/lang/en")
    return client


def links(page: TestResponse) -> tuple[str | None, str | None]:
    """The page's next-page and first-page links, unescaped."""
    body = page.get_data(as_text=True)
    found_next = re.search(r'rel="next" href="([^"]+)"', body)
    found_first = re.search(r'href="([^"]+)">First page<', body)
    return tuple(  # type: ignore[return-value]
        html.unescape(found.group(1)) if found else None for found in (found_next, found_first)
    )


def walk(client: FlaskClient, url: str, rows: str) -> list[str]:
    """The rows (matches of the pattern ``rows``) of every page, following the links."""
    found: list[str] = []
    link: str | None = url
    while link is not None:
        page = client.get(link)
        assert page.status_code == 200
        # The inbox's open tab also shows the escalated tasks followed: not its list.
        listed = page.get_data(as_text=True).split('class="card escalations"')[0]
        found += re.findall(rows, listed)
        link, first = links(page)
        assert (first is None) == (page.request.full_path.rstrip("?") == url.rstrip("?"))
    return found


def test_the_inbox_pages_by_cursor_keeping_tab_and_filters(app: Flask, people: Readers) -> None:
    hunan = english(app, people.hunan.username)
    first = hunan.get("/review/?tab=done&number=LIST&limit=8")
    next_link, first_link = links(first)
    assert first_link is None and next_link is not None
    assert "tab=done" in next_link and "number=LIST" in next_link and "limit=8" in next_link
    assert f"{ROWS} tasks" in text(first)
    second = hunan.get(next_link)
    assert links(second)[1] == "/review/?tab=done&number=LIST&limit=8"
    assert not set(task_ids(second)) & set(task_ids(first))

    numbers = walk(hunan, "/review/?limit=8", r">(LIST-A\d{4})</a>")
    assert sorted(numbers) == [f"LIST-A{i:04d}" for i in range(ROWS)]


def test_the_dashboard_pages_the_applications(app: Flask, people: Readers) -> None:
    cinema = english(app, people.cinema.username)
    rows = r'<th scope="row">(LIST-B\d{4})</th>'
    first = cinema.get("/applicant/?limit=12")
    assert len(re.findall(rows, first.get_data(as_text=True))) == 12
    assert "Nothing is waiting" not in text(first)

    numbers = walk(cinema, "/applicant/?limit=12", rows)

    assert sorted(numbers) == [f"LIST-B{i:04d}" for i in range(ROWS)]
    minutes = [int(number[-4:]) // 4 for number in numbers]  # four share a creation minute
    assert minutes == sorted(minutes, reverse=True)


def test_the_messages_page_pages_and_marks_what_it_shows(app: Flask, people: Readers) -> None:
    cinema = english(app, people.cinema.username)
    first = cinema.get("/applicant/notifications?limit=10")
    assert first.get_data(as_text=True).count("message-unread") == 10
    unread = re.findall(r'<span class="nav-count"[^>]*>(\d+)<', first.get_data(as_text=True))
    assert unread == [str(ROWS - 10)]

    messages = walk(cinema, "/applicant/notifications?limit=10", r'<li class="card message')

    assert len(messages) == ROWS


@pytest.mark.parametrize("url", ["/applicant/?limit=0", "/applicant/notifications?cursor=xyz"])
def test_the_applicant_pages_refuse_bad_paging(app: Flask, people: Readers, url: str) -> None:
    assert english(app, people.cinema.username).get(url).status_code == 422
