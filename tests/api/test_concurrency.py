"""Two requests racing for the same task or application: exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from portal.accounts.models import Role
from portal.cinemas.models import Cinema
from tests.helpers import Api, Factory, count_rows


def race(*calls: Callable[[], TestResponse]) -> list[TestResponse]:
    """Run the calls at the same moment, each in its own thread."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], TestResponse]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, TestResponse) for r in results), results
    return results


def test_concurrent_completions_one_wins(
    app: Flask, api: Api, factory: Factory, cinema: Api
) -> None:
    first = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    second = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    for _ in range(3):
        submitted = cinema.submitted_cinema_application()
        task = first.open_task(submitted["id"])
        url = f"/api/v1/tasks/{task['id']}/complete"
        approve = {"data": {"decision": "approve"}}

        responses = race(partial(first.post, url, approve), partial(second.post, url, approve))

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.get_json() for r in responses]
    assert count_rows(app, Cinema) == 3


def test_concurrent_claims_one_wins(api: Api, factory: Factory, cinema: Api) -> None:
    first = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    second = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    for _ in range(3):
        submitted = cinema.submitted_cinema_application()
        task = first.open_task(submitted["id"])
        url = f"/api/v1/tasks/{task['id']}/claim"

        responses = race(partial(first.post, url), partial(second.post, url))

        assert sorted(r.status_code for r in responses) == [200, 409], [
            r.get_json() for r in responses
        ]
        winner = next(r for r in responses if r.status_code == 200).get_json()["assignee"]
        assert first.open_task(submitted["id"])["assignee"] == winner


def test_withdraw_racing_a_claim(api: Api, factory: Factory, cinema: Api) -> None:
    reviewer = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    for _ in range(6):
        submitted = cinema.submitted_cinema_application()
        task = reviewer.open_task(submitted["id"])

        claim, withdraw = race(
            partial(reviewer.post, f"/api/v1/tasks/{task['id']}/claim"),
            partial(cinema.post, f"/api/v1/applications/{submitted['id']}/withdraw"),
        )

        assert sorted([claim.status_code, withdraw.status_code]) == [200, 409], (
            claim.get_json(),
            withdraw.get_json(),
        )
        status = cinema.get(f"/api/v1/applications/{submitted['id']}").get_json()["status"]
        assert status == ("under_review" if claim.status_code == 200 else "withdrawn")


def test_concurrent_submissions_draw_distinct_numbers(api: Api, factory: Factory) -> None:
    clients = [api.as_user(factory.applicant()) for _ in range(3)]
    drafts = []
    for client in clients:
        draft = client.new_cinema_application()
        client.upload_licences(draft["id"])
        drafts.append(draft)

    responses = race(
        *[
            partial(c.post, f"/api/v1/applications/{d['id']}/submit")
            for c, d in zip(clients, drafts, strict=True)
        ]
    )

    assert [r.status_code for r in responses] == [200, 200, 200], [r.get_json() for r in responses]
    numbers = sorted(r.get_json()["number"] for r in responses)
    assert len(set(numbers)) == 3
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]
