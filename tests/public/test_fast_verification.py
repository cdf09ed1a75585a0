"""The public verification's read path: one statement per anonymous verification,
the answer served again only while the certificate's row is the same, so a
revocation shows at the next request (page and API alike)."""

from __future__ import annotations

from flask import Flask

from portal.core.extensions import db
from portal.issuance.models import CertificateState
from tests.helpers import Api
from tests.pages.support import signed_in
from tests.public.conftest import People
from tests.public.test_verify import altered, set_state, token_of
from tests.querycount import statements


def verify_twice(app: Flask, url: str) -> tuple[list[str], str, str]:
    """The statements of a second anonymous request of ``url``, and both bodies."""
    client = app.test_client()  # no cookie: an anonymous reader
    first = client.get(url)
    with app.app_context():
        engine = db.read_engine or db.engine
    with statements(engine) as executed:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    return executed, first.get_data(as_text=True), second.get_data(as_text=True)


def test_an_anonymous_verification_is_one_select(app: Flask, number: str) -> None:
    token = token_of(app, number)
    for url in (f"/verify/{number}?t={token}", f"/api/v1/certificates/{number}?t={token}"):
        executed, first, second = verify_twice(app, url)
        assert len(executed) == 1, executed
        assert executed[0].lstrip().upper().startswith("SELECT")
        assert first == second


def test_a_revocation_shows_at_the_next_request(
    app: Flask, api: Api, people: People, number: str
) -> None:
    token = token_of(app, number)
    reader = app.test_client()
    page, json = f"/verify/{number}?t={token}", f"/api/v1/certificates/{number}?t={token}"
    assert reader.get(json).get_json()["status"] == "valid"
    assert "有效" in reader.get(page).get_data(as_text=True)

    revoked = api.as_user(people.hunan).post(
        f"/api/v1/certificates/{number}/revoke", json={"reason": "影院已关闭"}
    )

    assert revoked.status_code == 200
    body = reader.get(json).get_json()
    assert (body["status"], body["revocation_reason"]) == ("revoked", "影院已关闭")
    assert "影院已关闭" in reader.get(page).get_data(as_text=True)


def test_a_change_of_state_shows_at_the_next_request(app: Flask, number: str) -> None:
    reader = app.test_client()
    url = f"/api/v1/certificates/{number}"
    assert reader.get(url).get_json()["status"] == "valid"
    set_state(app, number, CertificateState.SUPERSEDED)
    assert reader.get(url).get_json()["status"] == "superseded"


def test_each_token_gets_its_own_answer(app: Flask, number: str) -> None:
    token = token_of(app, number)
    reader = app.test_client()
    url = f"/api/v1/certificates/{number}"
    assert reader.get(f"{url}?t={token}").get_json()["token"] == {"authentic": True}
    assert reader.get(f"{url}?t={altered(token)}").get_json()["token"] == {"authentic": False}
    assert reader.get(f"{url}?t={token}").get_json()["token"] == {"authentic": True}
    assert "token" not in reader.get(url).get_json()


def test_signed_in_staff_still_get_the_revocation_form(
    app: Flask, people: People, number: str
) -> None:
    anonymous = app.test_client()
    anonymous.get(f"/verify/{number}")
    assert "/revoke" not in anonymous.get(f"/verify/{number}").get_data(as_text=True)
    body = signed_in(app, "hunan").get(f"/verify/{number}").get_data(as_text=True)
    assert f'action="/verify/{number}/revoke"' in body


def test_an_unknown_number_is_still_the_404_page(app: Flask) -> None:
    response = app.test_client().get("/verify/NOPE2026000001")
    assert response.status_code == 404
    assert "查无此证书" in response.get_data(as_text=True)
    api = app.test_client().get("/api/v1/certificates/NOPE2026000001")
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_the_answer_carries_the_security_headers(app: Flask, number: str) -> None:
    reader = app.test_client()
    reader.get(f"/verify/{number}")
    again = reader.get(f"/verify/{number}")  # from the fast path
    assert again.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in again.headers["Content-Security-Policy"]
    assert "no-store" in again.headers["Cache-Control"]
    assert "Set-Cookie" not in again.headers
