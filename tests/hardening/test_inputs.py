"""Inputs that used to answer 500 answer a clear 4xx and change nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Organization, Role, User
from portal.applications.models import Application, ProcessDefinition
from portal.core.extensions import db
from tests.helpers import Api, Factory, cinema_data, minimal_pdf, registration_data
from tests.pages.support import count, signed_in, text

BIG = "99999999999999999999999"
V2 = (
    Path(__file__).parent.parent / "api" / "bpmn" / "cinema_registration_national_check.bpmn"
).read_bytes()
DEEP = "[" * 1000 + "]" * 1000


def registration(**overrides: Any) -> dict[str, Any]:
    return registration_data(**overrides)


@pytest.fixture
def admin(api: Api, factory: Factory) -> Api:
    return api.as_user(factory.staff(Role.ADMIN, username="admin"))


# Page numbers and ids beyond 64 bits ---------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/announcements", "/register/software", "/api/v1/register/software"]
)
def test_a_page_number_beyond_64_bits_is_422(client: FlaskClient, url: str) -> None:
    response = client.get(f"{url}?page={BIG}")
    assert response.status_code == 422
    if url.startswith("/api/"):
        assert response.get_json()["errors"] == {"page": ["The page number is out of range."]}


def test_no_page_answers_500_to_a_huge_page_number(
    app: Flask, admin: Api, factory: Factory
) -> None:
    """Every GET route without parameters, anonymous and as an administrator."""
    factory.staff(Role.ADMIN, username="admin2")
    page_admin = signed_in(app, "admin2")
    anonymous = app.test_client()
    urls = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    )
    assert "/announcements" in urls
    for url in urls:
        for response in (
            anonymous.get(f"{url}?page={BIG}&per_page={BIG}"),
            page_admin.get(f"{url}?page={BIG}"),
            admin.get(f"{url}?page=-{BIG}"),
        ):
            assert response.status_code < 500, url


def test_an_ordinary_page_number_still_works(client: FlaskClient) -> None:
    assert client.get("/announcements?page=2").status_code == 200
    assert client.get("/announcements?page=abc").status_code == 200  # the first page


@pytest.mark.parametrize(
    "url",
    [f"/announcements/{BIG}", f"/api/v1/announcements/{BIG}", "/announcements/9223372036854775808"],
)
def test_an_id_beyond_64_bits_is_not_found(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


# JSON bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/applications", "/api/v1/tokens", "/api/v1/registrations"])
def test_json_nested_1000_deep_is_422(app: Flask, admin: Api, url: str) -> None:
    response = admin.client.post(
        url,
        data='{"process": "cinema_registration", "data": ' + DEEP + "}",
        content_type="application/json",
        headers=admin._headers(),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"": ["The JSON is nested too deeply."]}


def test_json_nested_within_the_limit_reaches_the_view(admin: Api) -> None:
    response = admin.client.post(
        "/api/v1/tokens",
        data='{"username": ' + "[" * 60 + "]" * 60 + "}",
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"username", "password"}


@pytest.mark.parametrize("field", ["org_name", "contact_name", "username"])
def test_a_lone_surrogate_is_refused_before_storing(
    app: Flask, client: FlaskClient, field: str
) -> None:
    body = json.dumps(registration(**{field: "星光\ud800"}))  # json.dumps writes "\ud800"
    assert "\\ud800" in body
    response = client.post("/api/v1/registrations", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "": ["Text must be valid Unicode (no lone surrogates)."]
    }
    assert count(app, Organization) == 0


def test_a_lone_surrogate_in_application_data_is_refused(
    app: Flask, api: Api, factory: Factory
) -> None:
    cinema = api.as_user(factory.applicant())
    response = cinema.post(
        "/api/v1/applications",
        json={"process": "cinema_registration", "data": cinema_data(name="星光\ud800影城")},
    )
    assert response.status_code == 422
    assert count(app, Application) == 0


@pytest.mark.parametrize("field", ["org_name", "contact_name", "password"])
def test_a_nul_character_in_json_is_422(app: Flask, client: FlaskClient, field: str) -> None:
    response = client.post("/api/v1/registrations", json=registration(**{field: "星光\x00影城"}))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"": ["Text must not contain NUL characters."]}
    assert count(app, Organization) == 0


def test_a_nul_character_in_a_json_key_is_422(app: Flask, api: Api, factory: Factory) -> None:
    cinema = api.as_user(factory.applicant())
    response = cinema.post(
        "/api/v1/applications",
        json={"process": "cinema_registration", "data": {**cinema_data(), "x\x00": 1}},
    )
    assert response.status_code == 422
    assert count(app, Application) == 0


def test_a_nul_character_in_a_page_form_is_422(app: Flask, client: FlaskClient) -> None:
    data = {**registration(org_name="星光\x00影城"), "confirm": "Portal-Test-2026"}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert "NUL" in text(response) or "空字符" in text(response)
    assert count(app, Organization) == 0


@pytest.mark.parametrize("url", ["/register/software?q=a%00b", "/api/v1/register/software?q=%00"])
def test_a_nul_character_in_the_query_is_422(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 422


@pytest.mark.parametrize("url", ["/verify/YYZC%00", "/api/v1/certificates/YYZC%00"])
def test_a_nul_character_in_the_path_is_not_found(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


def test_a_nul_character_in_an_uploaded_file_name_is_422(
    app: Flask, api: Api, factory: Factory
) -> None:
    cinema = api.as_user(factory.applicant())
    application = cinema.new_cinema_application()
    response = cinema.upload(
        f"/api/v1/applications/{application['id']}/documents",
        "business_licence",
        minimal_pdf(),
        filename="licence\x00.pdf",
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": ["Text must not contain NUL characters."]}


# Process packages ----------------------------------------------------------------------


def publish(admin: Api, files: MultiDict[str, Any]) -> Any:
    return admin.client.post(
        "/api/v1/process-definitions",
        data=files,
        headers=admin._headers(),
        content_type="multipart/form-data",
    )


def _declared(encoding: str) -> str:
    return V2.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)


@pytest.mark.parametrize(
    ("declared", "codec"), [("GB18030", "gb18030"), ("UTF-16", "utf-16"), ("gbk", "gbk")]
)
def test_a_bpmn_in_another_encoding_is_stored_decoded(
    app: Flask, admin: Api, declared: str, codec: str
) -> None:
    content = _declared(declared).encode(codec)
    response = publish(admin, MultiDict([("bpmn", (io.BytesIO(content), "process.bpmn"))]))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        stored = db.session.scalar(
            sa.select(ProcessDefinition).where(ProcessDefinition.version == 2)
        )
        assert stored is not None
        assert stored.name == "电影院注册（含国家复核）"
        assert stored.bpmn_xml == V2.decode("utf-8")  # the declaration now says UTF-8


def test_the_same_process_in_two_encodings_is_one_version(admin: Api) -> None:
    utf8 = publish(admin, MultiDict([("bpmn", (io.BytesIO(V2), "process.bpmn"))]))
    gb = _declared("GB18030").encode("gb18030")
    again = publish(admin, MultiDict([("bpmn", (io.BytesIO(gb), "process.bpmn"))]))
    assert (utf8.status_code, again.status_code) == (201, 200)
    assert again.get_json()["version"] == utf8.get_json()["version"]


def test_a_bpmn_not_in_its_declared_encoding_is_422(app: Flask, admin: Api) -> None:
    before = count(app, ProcessDefinition)
    content = _declared("UTF-16").encode("utf-8")  # says UTF-16, is UTF-8
    response = publish(admin, MultiDict([("bpmn", (io.BytesIO(content), "process.bpmn"))]))
    assert response.status_code == 422
    assert response.get_json()["errors"]["bpmn"]
    assert count(app, ProcessDefinition) == before


def test_a_deeply_nested_form_upload_is_422(app: Flask, admin: Api) -> None:
    before = count(app, ProcessDefinition)
    deep_form = ('{"type": "default", "components": ' + DEEP + "}").encode()
    response = publish(
        admin,
        MultiDict(
            [
                ("bpmn", (io.BytesIO(V2), "process.bpmn")),
                ("forms", (io.BytesIO(deep_form), "review.json")),
            ]
        ),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "forms": ["review.json: The JSON is nested too deeply."]
    }
    assert count(app, ProcessDefinition) == before


def test_a_manifest_with_a_nul_character_is_422(app: Flask, admin: Api) -> None:
    before = count(app, ProcessDefinition)
    response = publish(
        admin,
        MultiDict(
            [
                ("bpmn", (io.BytesIO(V2), "process.bpmn")),
                ("manifest", (io.BytesIO(b'{"key": "cinema_registration\\u0000"}'), "m.json")),
            ]
        ),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"manifest": ["Text must not contain NUL characters."]}
    assert count(app, ProcessDefinition) == before


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that remembers how much was read of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"x" * count
        self.position += count
        self.read_bytes += count
        return count


HUGE = 300 * 1024**2


def _post_huge(client: FlaskClient, url: str, headers: dict[str, str]) -> tuple[int, int]:
    stream = CountingStream(HUGE)
    response = client.post(
        url,
        input_stream=stream,
        content_length=HUGE,
        content_type="multipart/form-data; boundary=b",
        headers=headers,
    )
    return response.status_code, stream.read_bytes


def test_a_300_mb_bpmn_is_refused_before_it_is_read(app: Flask, admin: Api) -> None:
    status, read = _post_huge(admin.client, "/api/v1/process-definitions", admin._headers())
    assert status == 413
    assert read == 0


def test_the_admin_page_refuses_a_300_mb_upload_before_reading_it(
    app: Flask, factory: Factory
) -> None:
    factory.staff(Role.ADMIN, username="admin2")
    page = signed_in(app, "admin2")
    status, read = _post_huge(page, "/admin/definitions", {})
    assert status == 413
    assert read == 0


def test_the_admin_page_publishes_a_gb18030_bpmn(app: Flask, factory: Factory) -> None:
    factory.staff(Role.ADMIN, username="admin2")
    page = signed_in(app, "admin2")
    content = _declared("GB18030").encode("gb18030")
    response = page.post(
        "/admin/definitions",
        data={"bpmn": (io.BytesIO(content), "process.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    with app.app_context():
        names = db.session.scalars(sa.select(ProcessDefinition.name)).all()
    assert "电影院注册（含国家复核）" in names


def test_the_admin_page_lists_a_too_deep_form(app: Flask, factory: Factory) -> None:
    factory.staff(Role.ADMIN, username="admin2")
    page = signed_in(app, "admin2")
    before = count(app, ProcessDefinition)
    response = page.post(
        "/admin/definitions",
        data={
            "bpmn": (io.BytesIO(V2), "process.bpmn"),
            "forms": (io.BytesIO(DEEP.encode()), "review.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "review.json" in text(response)
    assert count(app, ProcessDefinition) == before
    assert count(app, User) == 1
