"""Pickers instead of codes: what the endpoints answer and what the form pages carry."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role, User
from portal.cinemas.models import Cinema, CinemaStatus
from portal.core.extensions import db
from tests.helpers import Api, Factory
from tests.pages.support import signed_in

APPS = "/api/v1/applications"


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else None


def register_cinemas(app: Flask, user: User, application_id: str) -> None:
    """Cinemas of ``user``'s organisation in the register (one closed), and another's."""
    other = Factory(app).applicant()
    with app.app_context():
        for code, name, organisation, status in [
            ("43000002", "星光影城", user.organization_id, CinemaStatus.ACTIVE),
            ("43000001", "湘江影院", user.organization_id, CinemaStatus.ACTIVE),
            ("43000003", "旧城影院", user.organization_id, CinemaStatus.CLOSED),
            ("43000004", "别家影院", other.organization_id, CinemaStatus.ACTIVE),
        ]:
            db.session.add(
                Cinema(
                    code=code,
                    name=name,
                    organization_id=organisation,
                    division_code="430102",
                    application_id=uuid.UUID(application_id),
                    status=status,
                )
            )
        db.session.commit()


@pytest.mark.parametrize(
    ("parent", "first", "member"),
    [
        ("", {"code": "110000", "name": "北京市"}, {"code": "430000", "name": "湖南省"}),
        ("43", {"code": "430100", "name": "长沙市"}, {"code": "431300", "name": "娄底市"}),
        ("4301", {"code": "430102", "name": "芙蓉区"}, {"code": "430104", "name": "岳麓区"}),
    ],
)
def test_divisions_list_the_children_of_a_parent(
    client: FlaskClient, parent: str, first: dict[str, str], member: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/divisions?parent={parent}")

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert items[0] == first
    assert member in items
    assert [i["code"] for i in items] == sorted(i["code"] for i in items)
    assert response.cache_control.public


@pytest.mark.parametrize("parent", ["4", "430", "430102", "99", "ab", "4301x"])
def test_divisions_refuse_a_bad_parent(client: FlaskClient, parent: str) -> None:
    response = client.get(f"/api/v1/divisions?parent={parent}")

    assert response.status_code == 422
    assert "parent" in response.get_json()["errors"]


def test_my_cinemas_are_the_organisations_active_ones_by_name(
    app: Flask, cinema: Api, cinema_user: User
) -> None:
    created = cinema.new_cinema_application()
    register_cinemas(app, cinema_user, created["id"])

    response = cinema.get("/api/v1/cinemas/mine")

    assert response.status_code == 200
    names = [(c["name"], c["code"]) for c in response.get_json()["items"]]
    assert sorted(names) == names
    assert set(names) == {("星光影城", "43000002"), ("湘江影院", "43000001")}


def test_my_cinemas_need_a_sign_in_and_are_none_for_staff(
    client: FlaskClient, api: Api, factory: Factory
) -> None:
    assert client.get("/api/v1/cinemas/mine").status_code == 401
    staff = api.as_user(factory.staff(Role.PROVINCIAL_REVIEWER, "43"))
    assert staff.get("/api/v1/cinemas/mine").get_json() == {"items": []}


def test_edit_page_marks_division_field_and_slots(
    app: Flask, cinema: Api, cinema_user: User
) -> None:
    created = cinema.new_cinema_application()
    client = signed_in(app, cinema_user.username)

    page = client.get(f"/applicant/applications/{created['id']}/edit").get_data(as_text=True)

    division = input_tag(page, "division_code")
    assert attribute(division, "data-picker") == "county"
    assert attribute(division, "data-picker-source") == "/api/v1/divisions"
    labels = json.loads(attribute(division, "data-picker-labels") or "")
    assert set(labels) == {"province", "city", "county", "choose", "cinema"}
    # Other text fields are left alone.
    assert attribute(input_tag(page, "name"), "data-picker") is None
    # Each document slot tells the upload widget what it takes.
    slot = re.search(r'<div[^>]*data-slot="business_licence"[^>]*>', page, re.S)
    assert slot
    assert 'data-max-size="20971520"' in slot.group(0)
    assert re.search(r'data-accept="[a-z,]*pdf', slot.group(0))
    form = re.search(r"<form[^>]*data-resumable-uploads[^>]*>", page, re.S)
    assert form
    assert 'data-resumable-uploads="/api/v1/uploads"' in form.group(0)
    assert f'data-application="{created["id"]}"' in form.group(0)
    assert "vendor/uppy/uppy.min.js" in page
    assert "js/uploads.js" in page


def test_refund_page_offers_the_cinema_picker(app: Flask, cinema: Api, cinema_user: User) -> None:
    created = cinema.post(APPS, json={"process": "refund_backfill", "data": {}})
    assert created.status_code == 201, created.get_json()
    client = signed_in(app, cinema_user.username)

    page = client.get(f"/applicant/applications/{created.get_json()['id']}/edit")

    code = input_tag(page.get_data(as_text=True), "cinema_code")
    assert attribute(code, "data-picker") == "cinema"
    assert attribute(code, "data-picker-source") == "/api/v1/cinemas/mine"
