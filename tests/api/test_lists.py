"""The signed-in lists of the API a page at a time: ``?limit=``, ``?cursor=`` and
the ``next`` link, in each list's order, every row exactly once even where rows
share a deadline or a creation time; malformed limits and cursors are refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from tests.helpers import Api, Factory
from tests.services.listed import Readers, readers, seed

ROWS = 30
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


@pytest.fixture
def people(app: Flask, factory: Factory) -> Readers:
    found = readers(factory)
    seed(app, found, ROWS)
    return found


def walk(client: Api, url: str) -> list[dict[str, Any]]:
    """Every item of a list, following ``next`` to the end."""
    items: list[dict[str, Any]] = []
    link: str | None = url
    while link is not None:
        response = client.get(link)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= 7
        items += body["items"]
        link = body["next"]
    return items


def moment(value: str | None) -> datetime:
    """A timestamp of an item; no deadline sorts last."""
    return datetime.fromisoformat(value) if value else NO_DEADLINE


def assert_once(items: list[dict[str, Any]], expected: int) -> None:
    ids = [item["id"] for item in items]
    assert len(ids) == expected and len(set(ids)) == expected


def test_tasks_soonest_due_first_then_newest(api: Api, people: Readers) -> None:
    reviewer = api.as_user(people.hunan)
    items = walk(reviewer, "/api/v1/tasks?limit=7")

    assert_once(items, ROWS)
    assert [i["id"] for i in items] == [
        i["id"] for i in reviewer.get("/api/v1/tasks?limit=200").get_json()["items"]
    ]
    keys = [(moment(i["due_at"]).timestamp(), -moment(i["created_at"]).timestamp()) for i in items]
    assert keys == sorted(keys)
    assert items[-1]["due_at"] is None  # no deadline: last
    assert {"application_number", "process", "name", "assignee", "overdue"} <= set(items[0])


def test_escalations_oldest_deadline_first(api: Api, people: Readers) -> None:
    items = walk(api.as_user(people.national), "/api/v1/escalations?limit=7")

    assert_once(items, len([i for i in range(ROWS) if i % 4 == 1]))
    keys = [(moment(i["due_at"]).timestamp(), moment(i["created_at"]).timestamp()) for i in items]
    assert keys == sorted(keys)
    assert all(i["escalated"] for i in items)


@pytest.mark.parametrize("who", ["hunan", "cinema"])
def test_applications_newest_first(api: Api, people: Readers, who: str) -> None:
    items = walk(api.as_user(getattr(people, who)), "/api/v1/applications?limit=7")

    assert_once(items, ROWS)
    created = [moment(i["created_at"]) for i in items]
    assert created == sorted(created, reverse=True)
    assert {"number", "process", "version", "status", "organization"} <= set(items[0])


def test_notifications_newest_first_keeping_the_filter(api: Api, people: Readers) -> None:
    cinema = api.as_user(people.cinema)
    first = cinema.get("/api/v1/notifications?unread=1&limit=7").get_json()
    assert "unread=1" in first["next"] and "limit=7" in first["next"]

    items = walk(cinema, "/api/v1/notifications?unread=1&limit=7")

    assert_once(items, ROWS)
    created = [moment(i["created_at"]) for i in items]
    assert created == sorted(created, reverse=True)


def test_the_last_page_has_no_next_link(api: Api, people: Readers) -> None:
    body = api.as_user(people.cinema).get("/api/v1/applications").get_json()
    assert len(body["items"]) == ROWS and body["next"] is None


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5"])
@pytest.mark.parametrize(
    "url", ["/api/v1/tasks", "/api/v1/escalations", "/api/v1/applications", "/api/v1/notifications"]
)
def test_a_bad_limit_is_refused(api: Api, factory: Factory, url: str, limit: str) -> None:
    response = api.as_user(factory.applicant()).get(f"{url}?limit={limit}")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["limit"]


def tampered(cursor: str) -> list[str]:
    """Cursors that were not made here: garbage, and a real one changed."""
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    shorter = base64.urlsafe_b64encode(json.dumps(raw[:-1]).encode()).decode()
    odd = base64.urlsafe_b64encode(json.dumps([*raw[:-1], {"x": "1"}]).encode()).decode()
    return ["!!!", "e30", shorter, odd, cursor[:-3]]


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("hunan", "/api/v1/tasks"),
        ("national", "/api/v1/escalations"),
        ("hunan", "/api/v1/applications"),
        ("cinema", "/api/v1/notifications"),
    ],
)
def test_a_tampered_cursor_is_refused(api: Api, people: Readers, who: str, url: str) -> None:
    client = api.as_user(getattr(people, who))
    link = client.get(f"{url}?limit=2").get_json()["next"]
    cursor = link.split("cursor=")[1]
    for bad in tampered(cursor):
        response = client.get(f"{url}?cursor={bad}")
        assert response.status_code == 422, bad
        assert list(response.get_json()["errors"]) == ["cursor"], bad
