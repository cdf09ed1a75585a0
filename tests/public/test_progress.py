"""The public progress lookup 办件进度查询: the acceptance number and the applicant's
credit code together show the status and the open steps, and nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Organization
from portal.core.extensions import db
from tests.helpers import make_uscc
from tests.pages.support import text
from tests.public.conftest import People

NOT_FOUND = "未找到办件"


def uscc_of(app: Flask, people: People) -> str:
    with app.app_context():
        organization = db.session.get(Organization, people.cinema.organization_id)
        assert organization is not None
        return organization.uscc


def look_up(client: FlaskClient, number: str, uscc: str) -> tuple[int, str]:
    response = client.post("/progress", data={"number": number, "uscc": uscc})
    return response.status_code, text(response)


def test_the_form_is_open_to_everyone(app: Flask) -> None:
    response = app.test_client().get("/progress")

    assert response.status_code == 200
    assert 'name="number"' in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]


def test_the_right_pair_shows_the_status_and_the_open_step_only(
    app: Flask, people: People, submitted: dict[str, Any]
) -> None:
    uscc = uscc_of(app, people)

    status, page = look_up(app.test_client(), f" {submitted['number'].lower()} ", uscc.lower())

    assert status == 200
    assert submitted["number"] in page
    assert "当前环节" in page and "办理部门：" in page
    assert "湖南省" in page  # the authority holding the step
    assert "截止" in page or "无办理时限" in page or "期限" in page
    # No data, no documents, no names of people or organisations.
    for private in (
        "13800138000",
        "联系人",
        "cinema 有限公司",
        "business_licence",
        ".pdf",
        "hunan",
        uscc,
    ):
        assert private not in page.replace(f'value="{uscc}"', ""), private


def test_a_decided_application_shows_its_outcome_and_no_step(
    app: Flask, people: People, registration: dict[str, Any]
) -> None:
    status, page = look_up(app.test_client(), registration["number"], uscc_of(app, people))

    assert status == 200
    assert "已批准" in page or "通过" in page
    assert "办理部门：" not in page


@pytest.mark.parametrize("which", ["wrong uscc", "unknown number", "both unknown"])
def test_a_wrong_pair_is_the_same_not_found_as_an_unknown_number(
    app: Flask, people: People, submitted: dict[str, Any], which: str
) -> None:
    number, uscc = submitted["number"], uscc_of(app, people)
    other = make_uscc(7)
    pair = {
        "wrong uscc": (number, other),
        "unknown number": ("SL20269999-9999", uscc),
        "both unknown": ("SL20269999-9999", other),
    }[which]

    status, page = look_up(app.test_client(), *pair)

    assert status == 404
    assert NOT_FOUND in page
    assert "办理部门：" not in page
    reference = look_up(app.test_client(), "SL20269999-9999", other)[1]
    assert page.replace(pair[0], "").replace(pair[1], "") == reference.replace(
        "SL20269999-9999", ""
    ).replace(other, "")


@pytest.mark.parametrize(
    ("number", "uscc"),
    [("", "x"), ("SL1", ""), ("SL 1", "91430100MA4L0ABC1M"), ("S" * 33, "x"), ("SL1", "123")],
)
def test_malformed_input_is_refused(app: Flask, number: str, uscc: str) -> None:
    response = app.test_client().post("/progress", data={"number": number, "uscc": uscc})

    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


@pytest.fixture
def limited(app_config: dict[str, Any]) -> None:
    app_config.update(RATELIMIT_ENABLED=True, PROGRESS_RATE_LIMIT="3 per minute")


def test_lookups_are_rate_limited(limited: None, app: Flask, people: People) -> None:
    client = app.test_client()
    uscc = uscc_of(app, people)
    for _ in range(3):
        assert look_up(client, "SL20269999-9999", uscc)[0] == 404

    assert look_up(client, "SL20269999-9999", uscc)[0] == 429
    assert client.get("/progress").status_code == 200  # the form itself is not counted
