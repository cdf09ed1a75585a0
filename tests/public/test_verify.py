"""The public verification page as a person reads it: one signal at a time, the
lookup by number, and revocation that asks for confirmation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.extensions import db
from portal.issuance.models import Certificate, CertificateState
from tests.pages.support import signed_in, text
from tests.public.conftest import People

FORGED = "此二维码不是本平台签发"
GREEN = ("verify-valid", "verify-token-authentic", "✓")


def token_of(app: Flask, number: str) -> str:
    with app.app_context():
        token = db.session.scalar(sa.select(Certificate.token).where(Certificate.number == number))
        assert token
        return token


def altered(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join(
        [header, payload, signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]]
    )


def set_state(app: Flask, number: str, state: CertificateState) -> None:
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        assert certificate is not None
        certificate.state = state
        db.session.commit()


def page(client: FlaskClient, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_a_genuine_qr_code_of_a_valid_certificate_is_green(app: Flask, number: str) -> None:
    status, html = page(app.test_client(), f"/verify/{number}?t={token_of(app, number)}")

    assert status == 200
    assert "verify-valid" in html and "verify-token-authentic" in html
    assert FORGED not in html


@pytest.mark.parametrize("token", ["altered", "not-a-token", "e30.e30.e30"])
def test_a_forged_qr_code_says_so_first_and_shows_no_green(
    app: Flask, number: str, token: str
) -> None:
    link = altered(token_of(app, number)) if token == "altered" else token

    status, html = page(app.test_client(), f"/verify/{number}?t={link}")

    assert status == 200
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))
    assert words.index(FORGED) < words.index(number)  # above everything else on the page
    for green in GREEN:
        assert green not in html, green
    assert 'class="verify-status verify-neutral"' in html
    assert "有效" in words  # what the portal records, in neutral grey, below the warning


@pytest.mark.parametrize("state", [CertificateState.REVOKED, CertificateState.SUPERSEDED])
def test_a_certificate_not_in_force_shows_no_tick_even_with_a_genuine_qr_code(
    app: Flask, number: str, state: CertificateState
) -> None:
    set_state(app, number, state)

    status, html = page(app.test_client(), f"/verify/{number}?t={token_of(app, number)}")

    assert status == 200
    for green in GREEN:
        assert green not in html, green
    assert "verify-token-neutral" in html and FORGED not in html


def test_an_expired_certificate_shows_no_tick(app: Flask, number: str) -> None:
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        assert certificate is not None and certificate.valid_until is not None
        certificate.valid_from = certificate.valid_from.replace(year=2001)
        certificate.valid_until = certificate.valid_from.replace(year=2002)
        db.session.commit()

    status, html = page(app.test_client(), f"/verify/{number}?t={token_of(app, number)}")

    assert status == 200 and "verify-expired" in html
    for green in GREEN:
        assert green not in html, green


def test_verify_without_a_number_is_a_lookup_form(app: Flask, number: str) -> None:
    client = app.test_client()
    form = client.get("/verify")
    assert form.status_code == 200
    assert 'name="number"' in form.get_data(as_text=True)

    found = client.get("/verify", query_string={"number": f"  {number.lower()} "})
    assert found.status_code == 302
    assert found.headers["Location"] == f"/verify/{number}"
    assert "有效" in text(client.get(found.headers["Location"]))

    unknown = client.get("/verify", query_string={"number": "BAZS2026999999"})
    assert unknown.headers["Location"] == "/verify/BAZS2026999999"
    missing = client.get(unknown.headers["Location"])
    assert missing.status_code == 404 and "查无此证书" in text(missing)


@pytest.mark.parametrize("bad", ["", "   ", "A" * 65, "BAZS/2026", "BAZS 2026"])
def test_the_lookup_refuses_what_is_not_a_number(app: Flask, bad: str) -> None:
    response = app.test_client().get("/verify", query_string={"number": bad})

    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_the_home_page_links_the_lookups(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)

    assert 'href="/verify"' in html and 'href="/progress"' in html


def test_revoking_asks_for_confirmation_and_a_reason(
    app: Flask, number: str, people: People
) -> None:
    hunan = signed_in(app, "hunan")
    html = hunan.get(f"/verify/{number}").get_data(as_text=True)
    assert re.search(
        r'<input type="checkbox" id="confirm" name="confirm" value="yes" required>', html
    )
    assert "撤销后无法恢复" in text(hunan.get(f"/verify/{number}"))
    url = f"/verify/{number}/revoke"

    unconfirmed = hunan.post(url, data={"reason": "影院停业"})
    assert unconfirmed.status_code == 302
    after = text(hunan.get(unconfirmed.headers["Location"]))
    assert "请勾选确认：您了解撤销后无法恢复。" in after
    assert "verify-valid" in hunan.get(f"/verify/{number}").get_data(as_text=True)

    no_reason = hunan.post(url, data={"reason": "  ", "confirm": "yes"})
    assert no_reason.status_code == 302
    assert "请填写撤销原因。" in text(hunan.get(no_reason.headers["Location"]))
    neither = hunan.post(url, data={})
    page_text = text(hunan.get(neither.headers["Location"]))
    assert "请勾选确认：您了解撤销后无法恢复。" in page_text and "请填写撤销原因。" in page_text
    assert "有效" in text(app.test_client().get(f"/verify/{number}"))

    done = hunan.post(url, data={"reason": "影院停业", "confirm": "yes"})
    assert done.status_code == 302
    assert "已撤销" in text(app.test_client().get(f"/verify/{number}"))


def test_others_cannot_revoke_even_unconfirmed(app: Flask, number: str, people: People) -> None:
    guangdong = signed_in(app, "guangdong")

    assert guangdong.post(f"/verify/{number}/revoke", data={"reason": "x"}).status_code == 403
    assert guangdong.post("/verify/BAZS2026999999/revoke", data={}).status_code == 404
