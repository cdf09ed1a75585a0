"""Signing out ends the session on the server: a copied cookie no longer works."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.accounts.services import AccountService
from portal.core.extensions import db
from tests.helpers import Auth, Factory


def _copy_of_session(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_signing_out_ends_every_copy_of_the_session(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    factory.applicant(username="cinema")
    assert Auth(client).login("cinema").status_code == 302
    copy = _copy_of_session(app, client)
    assert copy.get("/applicant/").status_code == 200  # the copy works while signed in

    assert Auth(client).logout().status_code == 302

    refused = copy.get("/applicant/")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/auth/login")
    assert client.get("/applicant/").status_code == 302


def test_signing_in_again_after_signing_out_works(client: FlaskClient, factory: Factory) -> None:
    factory.applicant(username="cinema")
    Auth(client).login("cinema")
    Auth(client).logout()

    assert Auth(client).login("cinema").status_code == 302
    assert client.get("/applicant/").status_code == 200


def test_signing_out_raises_the_users_session_epoch(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    user = factory.applicant(username="cinema")
    Auth(client).login("cinema")
    Auth(client).logout()
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None
        assert stored.session_epoch == 1


def test_disabling_a_user_ends_their_sessions(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    user = factory.applicant(username="cinema")
    Auth(client).login("cinema")
    copy = _copy_of_session(app, client)

    factory.disable(user)

    assert copy.get("/applicant/").status_code == 302
    assert client.get("/applicant/").status_code == 302


def test_a_disabled_and_enabled_again_user_has_no_old_session(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    user = factory.applicant(username="cinema")
    Auth(client).login("cinema")
    copy = _copy_of_session(app, client)
    with app.app_context():
        AccountService(db.session).disable(user.id)
        stored = db.session.get(User, user.id)
        assert stored is not None
        assert not stored.active
        stored.active = True  # an administrator switches the account on again
        db.session.commit()

    assert copy.get("/applicant/").status_code == 302
    assert Auth(client).login("cinema").status_code == 302  # a new sign-in works


def test_a_session_naming_only_a_user_id_is_refused(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    """Sessions signed before epochs existed (``_user_id`` without one) sign nobody in."""
    user = factory.applicant(username="cinema")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert client.get("/applicant/").status_code == 302


def test_an_api_call_with_a_signed_out_cookie_is_401(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    factory.applicant(username="cinema")
    Auth(client).login("cinema")
    copy = _copy_of_session(app, client)
    assert copy.get("/api/v1/applications").status_code == 200

    Auth(client).logout()

    assert copy.get("/api/v1/applications").status_code == 401
