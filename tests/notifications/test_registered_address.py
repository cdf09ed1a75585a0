"""An enterprise that signs itself up with an e-mail address receives its decisions
there; a malformed address is refused at registration."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role, User
from portal.core.extensions import db
from tests.helpers import Api, Factory, registration_data
from tests.notifications.conftest import SmtpServer
from tests.notifications.test_decisions_by_email import tick
from tests.pages.support import text

ADDRESS = "contact@xingguang.test"


def registration(**overrides: Any) -> dict[str, Any]:
    return registration_data(**{"email": ADDRESS, **overrides})


def test_the_registered_address_receives_the_decision(
    app: Flask, client: FlaskClient, api: Api, factory: Factory, smtp: SmtpServer
) -> None:
    response = client.post("/api/v1/registrations", json=registration())
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user"]["email"] == ADDRESS
    cinema = Api(app.test_client()).login("xingguang")
    hunan = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    application = cinema.submitted_cinema_application()
    assert hunan.decide(application["id"], "approve", "").status_code == 200

    tick(app)

    (mail,) = smtp.to(ADDRESS)
    assert application["number"] in mail.subject


def test_a_malformed_address_is_refused_and_nothing_is_created(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/api/v1/registrations", json=registration(email="not an address"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email"}
    with app.app_context():
        assert db.session.query(User).filter_by(username="xingguang").count() == 0


def test_the_registration_page_asks_for_an_address(client: FlaskClient) -> None:
    page = client.get("/auth/register")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)
    assert "电子邮箱（选填）" in text(page)
