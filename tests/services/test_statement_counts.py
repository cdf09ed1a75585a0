"""How many SQL statements completing a task sends, whatever the application's past.

A reviewer's approval of a cinema registration through the API, counted from
the request's first statement (authentication) to its last (the answer's
read model), must stay within a fixed budget and must not grow with the
application's history: as many statements for an application returned and
resubmitted several times, with many documents, as for a fresh one.
"""

from __future__ import annotations

from typing import Any

from portal.accounts.models import Role
from tests.helpers import Api, Factory
from tests.querycount import CountStatements, count_statements

__all__ = ["count_statements"]  # a fixture
COMPLETION_BUDGET = 22
"""Statements of ``POST /api/v1/tasks/{id}/complete`` approving a registration.

On PostgreSQL, 19: authentication 1; the platform 6 (lock the application
with the task's visibility and the definition's hash, read its open tasks,
read its waiting timers, then one flush writing the application, the task and
the applicant's message); the process's building blocks 8 (the cinema code
from its counter (1), the cinema, the history rows of the decision and of the
code (one INSERT of both rows), the organisation, a pooled key, the
certificate number from its counter (1), the certificate with its X.509 form
and key, its history row); the answer's read model 4 (history, documents with
their uploaders, tasks with their assignees, certificates). SQLite adds two:
the no-op write that takes its write lock, and the two history rows as two
INSERTs (it cannot return the ids of a multi-row INSERT in order). One more
while the worker has not yet read the review form of this definition version
(its row, once per process).
"""


def approve_counted(
    reviewer: Api, application: dict[str, Any], count: CountStatements
) -> list[str]:
    task = reviewer.open_task(application["id"])
    with count() as executed:
        response = reviewer.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}}
        )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "approved"
    return executed


def test_an_approval_stays_within_its_statement_budget(
    api: Api, factory: Factory, count_statements: CountStatements
) -> None:
    applicant = api.as_user(factory.applicant())
    reviewer = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    fresh = applicant.submitted_cinema_application()

    executed = approve_counted(reviewer, fresh, count_statements)

    assert len(executed) <= COMPLETION_BUDGET, "\n\n".join(executed)


def test_an_approval_costs_the_same_after_a_long_history(
    api: Api, factory: Factory, count_statements: CountStatements
) -> None:
    applicant = api.as_user(factory.applicant())
    reviewer = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    fresh = applicant.submitted_cinema_application()
    long = applicant.submitted_cinema_application(name="长沙老影院")
    for round_ in range(3):
        response = reviewer.decide(long["id"], "return", f"第{round_ + 1}次补正")
        assert response.get_json()["status"] == "returned"
        applicant.upload_licences(long["id"])
        again = applicant.post(f"/api/v1/applications/{long['id']}/submit")
        assert again.get_json()["status"] == "submitted", again.get_json()

    first = approve_counted(reviewer, fresh, count_statements)
    later = approve_counted(reviewer, long, count_statements)

    assert len(later) == len(first), "\n\n".join(later)
