"""Chinese first, English on request; the catalogue is complete and compiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import Auth, Factory
from tests.pages.catalogue import PO_FILE, ROOT, compile_catalogue
from tests.pages.support import signed_in, text


def test_home_page_is_chinese_by_default(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    page = text(response)
    assert "电影和文化审批服务平台" in page
    assert "登录" in page and "企业注册" in page
    assert 'href="/lang/en?next=/"' in body
    assert 'class="skip-link" href="#main"' in body
    assert '<main id="main"' in body


def test_switching_to_english_and_back(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    english = client.get("/")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Film & Culture Approval Portal" in text(english)
    assert "Sign in" in text(english)
    assert "电影和文化审批服务平台" not in text(english)
    client.get("/lang/zh_CN")
    assert "电影和文化审批服务平台" in text(client.get("/"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "evil"])
def test_language_switch_redirects_only_locally(client: FlaskClient, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.get("/lang/fr")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_signed_in_home_links_to_the_dashboard(app: Flask, factory: Factory) -> None:
    factory.applicant(username="cinema")
    client = signed_in(app, "cinema")
    page = client.get("/")
    assert "进入我的申请" in text(page)
    assert 'href="/applicant/"' in page.get_data(as_text=True)


def test_wtforms_messages_are_chinese(client: FlaskClient) -> None:
    response = Auth(client).login("", "")
    assert response.status_code == 200
    assert "此项为必填项。" in text(response)
    assert "This field is required." not in text(response)


def test_form_definitions_render_in_english(app: Flask, factory: Factory) -> None:
    factory.applicant(username="cinema")
    client = signed_in(app, "cinema")
    client.get("/lang/en")
    response = client.post("/applicant/new/cinema_registration")
    page = client.get(response.headers["Location"])
    assert "Cinema name" in text(page)
    assert "Screening halls" in text(page)
    assert "Save draft" in text(page)


def test_catalogue_translates_every_message(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        extracted = read_po(handle)
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        strings = translated.string if translated is not None else None
        texts = list(strings) if isinstance(strings, tuple | list) else [strings]
        if translated is None or translated.fuzzy or not all(texts):
            missing.append(message.id)
    assert missing == []
    assert len(extracted) > 200


def test_catalogue_compiles_cleanly(tmp_path: Path) -> None:
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert problems == []
    target = tmp_path / "messages.mo"
    compile_catalogue(PO_FILE, target)
    assert target.stat().st_size > 1000
