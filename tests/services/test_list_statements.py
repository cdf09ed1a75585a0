"""How many SQL statements the signed-in lists send: as many for a page of 3 rows
as for a full page out of 60, many organisations' (no statement per row, per
organisation or per assignee), and a handful in all. The lists also never read
an application's process state or form data, nor a definition's BPMN or spec.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from portal.accounts.models import User
from tests.helpers import Api, Factory
from tests.pages.support import signed_in
from tests.querycount import CountStatements, count_statements
from tests.services.listed import Readers, readers, seed

__all__ = ["count_statements"]  # a fixture

BUDGETS = {
    # list: (who reads it, how: "api" or "page", URL, most statements)
    "API tasks": ("hunan", "api", "/api/v1/tasks", 3),
    "API escalations": ("hunan", "api", "/api/v1/escalations", 3),
    "API escalations, national": ("national", "api", "/api/v1/escalations", 3),
    "API applications, reviewer": ("hunan", "api", "/api/v1/applications", 3),
    "API applications, applicant": ("cinema", "api", "/api/v1/applications", 3),
    "API notifications": ("cinema", "api", "/api/v1/notifications", 2),
    "inbox page, to do": ("hunan", "page", "/review/", 9),
    "inbox page, overdue": ("national", "page", "/review/?tab=overdue", 7),
    "inbox page, done": ("hunan", "page", "/review/?tab=done", 7),
    "applicant dashboard": ("cinema", "page", "/applicant/", 8),
    "notifications page": ("cinema", "page", "/applicant/notifications", 5),
}
"""Statement budgets, authentication and the page's header included."""

Reader = Callable[[str], TestResponse]


@pytest.fixture
def people(factory: Factory) -> Readers:
    return readers(factory)


def reader(app: Flask, api: Api, user: User, how: str) -> Reader:
    if how == "api":
        return api.as_user(user).get
    return signed_in(app, user.username).get


def counted(read: Reader, url: str, count: CountStatements) -> list[str]:
    with count() as executed:
        response = read(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return executed


@pytest.mark.parametrize("name", list(BUDGETS))
def test_a_list_costs_the_same_for_3_rows_as_for_60(
    app: Flask,
    api: Api,
    people: Readers,
    count_statements: CountStatements,
    name: str,
) -> None:
    who, how, url, budget = BUDGETS[name]
    read = reader(app, api, getattr(people, who), how)
    seed(app, people, 3)
    few = counted(read, url, count_statements)
    seed(app, people, 57, first=3)
    many = counted(read, url, count_statements)

    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= budget, "\n\n".join(many)


@pytest.mark.parametrize(
    "name", ["API tasks", "API applications, reviewer", "inbox page, to do", "applicant dashboard"]
)
def test_lists_read_neither_process_state_nor_form_data(
    app: Flask, api: Api, people: Readers, count_statements: CountStatements, name: str
) -> None:
    who, how, url, _budget = BUDGETS[name]
    seed(app, people, 5)
    executed = counted(reader(app, api, getattr(people, who), how), url, count_statements)
    # The dashboard's "start a new application" reads the newest definition of
    # each process whole (a few rows, whatever the lists hold): not a list's.
    selected = " ".join(sql for sql in executed if "max(process_definitions.version)" not in sql)
    for column in (
        "workflow_state",
        "applications.data",
        "process_definitions.bpmn_xml",
        "process_definitions.spec",
        "process_definitions.forms",
    ):
        assert column not in selected, name
