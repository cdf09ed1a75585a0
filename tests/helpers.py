"""Test helpers: data factories and thin clients that read like the tests' intent."""

from __future__ import annotations

import io
import itertools
import struct
import subprocess
import tempfile
import uuid
import zlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from stdnum.cn import uscc as stdnum_uscc
from werkzeug.test import TestResponse

from portal.accounts.models import Organization, OrgType, Role, User
from portal.accounts.services import AccountService, Registration
from portal.core.actor import Actor
from portal.core.db import Base
from portal.core.extensions import db, processes
from portal.issuance.services import CertificateService

PASSWORD = "Portal-Test-2026"
# Argon2id with the cost turned down: the real algorithm, about 200 times faster
# than the production parameters, which dominate a test that signs in a few users.
FAST_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_serial = itertools.count(1)


def make_uscc(seed: int | None = None) -> str:
    """A valid 18-character unified social credit code."""
    number = next(_serial) if seed is None else seed
    body = f"9143010{number:010d}"
    return body + stdnum_uscc.calc_check_digit(body)


def registration_data(*, page: bool = False, **overrides: Any) -> dict[str, Any]:
    """An enterprise's sign-up, for ``POST /api/v1/registrations`` or (``page``: with the
    password confirmation) the registration page."""
    data: dict[str, Any] = {
        "org_name": "长沙星光影城有限公司",
        "uscc": make_uscc(),
        "org_type": "cinema",
        "contact_name": "张经理",
        "mobile": "13800138000",
        "username": "xingguang",
        "password": PASSWORD,
    }
    if page:
        data["confirm"] = PASSWORD
    data.update(overrides)
    return data


def cinema_data(**overrides: Any) -> dict[str, Any]:
    """Complete, valid cinema registration data (a cinema in Furong district, Changsha)."""
    data: dict[str, Any] = {
        "name": "星光影城",
        "address": "湖南省长沙市芙蓉区五一大道100号",
        "division_code": "430102",
        "circuit": "湖南潇湘院线",
        "halls": [{"name": "1号厅", "seats": 120}, {"name": "2号厅", "seats": 80}],
        "contact_name": "张经理",
        "contact_mobile": "13800138000",
    }
    data.update(overrides)
    return data


def refund_data(code: str, **overrides: Any) -> dict[str, Any]:
    """A refund after a show that ended on the evening of 29 September 2026."""
    data: dict[str, Any] = {
        "cinema_code": code,
        "kind": "refund",
        "film": "长津湖",
        "hall": "1号厅",
        "show_start": "2026-09-29T19:00:00+08:00",
        "show_end": "2026-09-29T21:30:00+08:00",
        "ticket_count": 3,
        "amount": "135.00",
        "ticket_numbers": ["T0001", "T0002", "T0003"],
        "cause": "放映中停电，场次中断，当时无法在票务软件中退票。",
    }
    data.update(overrides)
    return data


def backfill_data(code: str, **overrides: Any) -> dict[str, Any]:
    """A backfill of backup tickets sold on 20 September 2026."""
    return refund_data(code, **{"kind": "backfill", "sale_date": "2026-09-20", **overrides})


def commission_letter(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of ``CertificateService.issue`` for a testing commission letter."""
    arguments: dict[str, Any] = {
        "subject": "云影网络售票平台 V2.0",
        "details": {
            "product_name": "云影网络售票平台",
            "version": "V2.0",
            "variant": "agent_software",
            "vendor": "北京云影网络科技有限公司",
            "tests": ["票务管理系统技术要求符合性检测", "自助取票机接口检测"],
        },
        "valid_until": None,
        "context": {
            "application_number": "PJBA-2026-000042",
            "product_name": "云影网络售票平台",
            "version": "V2.0",
            "variant": "agent_software",
            "vendor": "北京云影网络科技有限公司",
            "tests": ["票务管理系统技术要求符合性检测", "自助取票机接口检测"],
        },
    }
    arguments.update(overrides)
    return arguments


def issue_certificate(
    app: Flask, holder: User, cert_type: str = "testing_commission", **arguments: Any
) -> str:
    """Issue a certificate to ``holder``'s organisation through the service; its number.

    The arguments default to those of :func:`commission_letter`.
    """
    with app.app_context():
        service = CertificateService(db.session, processes.platform.issuing)
        certificate = service.issue(
            cert_type,
            organization_id=holder.organization_id,
            **(arguments or commission_letter()),
        )
        db.session.commit()
        return certificate.number


def openssl(*args: str, **files: bytes) -> subprocess.CompletedProcess[str]:
    """``openssl ARGS`` with each keyword written to a file of that name first
    (referred to in ``args`` as ``{name}``)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, content in files.items():
            paths[name] = Path(folder) / name
            paths[name].write_bytes(content)
        command = ["openssl", *(arg.format(**paths) for arg in args)]
        return subprocess.run(command, capture_output=True, text=True, check=False)


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def minimal_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def count_rows(app: Flask, model: type[Base]) -> int:
    """How many rows the table of ``model`` holds, read in a fresh app context."""
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def stored_files(app: Flask) -> list[Path]:
    """The objects in the local document store (upload debris in ``.incoming`` excluded)."""
    root = Path(app.config["STORAGE_DIR"])
    if not root.exists():
        return []
    return sorted(
        p for p in root.rglob("*") if p.is_file() and ".incoming" not in p.relative_to(root).parts
    )


class Factory:
    """Creates records through the real services, each in its own app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def applicant(self, *, org_type: OrgType = OrgType.CINEMA, username: str | None = None) -> User:
        username = username or f"applicant{uuid.uuid4().hex[:8]}"
        with self.app.app_context():
            user = AccountService(db.session).register_enterprise(
                Registration(
                    org_name=f"{username} 有限公司",
                    uscc=make_uscc(),
                    org_type=org_type,
                    contact_name="联系人",
                    mobile="13800138000",
                    username=username,
                    password=PASSWORD,
                )
            )
            db.session.expunge_all()
            return user

    def colleague(self, user: User, username: str | None = None) -> User:
        """A second user of ``user``'s organisation."""
        with self.app.app_context():
            org = db.session.get(Organization, user.organization_id)
            created = AccountService(db.session).create_user(
                username or f"colleague{uuid.uuid4().hex[:8]}",
                PASSWORD,
                role=Role.APPLICANT,
                organization=org,
            )
            db.session.expunge_all()
            return created

    def staff(self, role: Role, scope: str = "", username: str | None = None) -> User:
        with self.app.app_context():
            user = AccountService(db.session).create_user(
                username or f"{role.value}{uuid.uuid4().hex[:8]}",
                PASSWORD,
                role=role,
                scope=scope,
            )
            db.session.expunge_all()
            return user

    def actor(self, user: User) -> Actor:
        return Actor.of(user)

    def disable(self, user: User) -> None:
        """Switch the account off (no service does this yet; the admin pages will)."""
        with self.app.app_context():
            stored = db.session.get(User, user.id)
            assert stored is not None
            stored.active = False
            db.session.commit()


class Api:
    """JSON API calls with a bearer token, as an outside program makes them."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def login(self, username: str, password: str = PASSWORD) -> Api:
        response = self.client.post(
            "/api/v1/tokens", json={"username": username, "password": password}
        )
        assert response.status_code == 201, response.get_json()
        self.token = response.get_json()["token"]
        return self

    def as_user(self, user: User) -> Api:
        """A new client signed in as ``user`` (sharing the app, not the token)."""
        other = Api(self.client.application.test_client())
        return other.login(user.username)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url: str) -> TestResponse:
        return self.client.get(url, headers=self._headers())

    def download(self, url: str) -> TestResponse:
        """GET a file; buffered, so the stored file is closed before the test reads it."""
        return self.client.get(url, headers=self._headers(), buffered=True)

    def post(self, url: str, json: Any = None) -> TestResponse:
        return self.client.post(url, json=json, headers=self._headers())

    def patch(self, url: str, json: Any = None) -> TestResponse:
        return self.client.patch(url, json=json, headers=self._headers())

    def upload(
        self, url: str, slot: str, content: bytes, filename: str = "file.pdf"
    ) -> TestResponse:
        response = self.client.post(
            url,
            data={"slot": slot, "file": (io.BytesIO(content), filename)},
            headers=self._headers(),
            content_type="multipart/form-data",
        )
        # Werkzeug's client spools a large body to a temporary file and only
        # closes it when following redirects; the app has read it by now.
        response.request.input_stream.close()
        return response

    # Conveniences for the cinema registration process.

    def new_cinema_application(self, **overrides: Any) -> dict[str, Any]:
        response = self.post(
            "/api/v1/applications",
            json={"process": "cinema_registration", "data": cinema_data(**overrides)},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def upload_licences(self, application_id: str) -> None:
        for slot in ("business_licence", "screening_licence"):
            response = self.upload(
                f"/api/v1/applications/{application_id}/documents", slot, minimal_pdf()
            )
            assert response.status_code == 201, response.get_json()

    def submitted_cinema_application(self, **overrides: Any) -> dict[str, Any]:
        application = self.new_cinema_application(**overrides)
        self.upload_licences(application["id"])
        response = self.post(f"/api/v1/applications/{application['id']}/submit")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def open_task(self, application_id: str) -> dict[str, Any]:
        """The single open task of an application, as seen by this client."""
        items = [
            t
            for t in self.get("/api/v1/tasks").get_json()["items"]
            if t["application_id"] == application_id
        ]
        assert len(items) == 1, items
        return items[0]

    def decide(self, application_id: str, decision: str, comment: str = "") -> TestResponse:
        task = self.open_task(application_id)
        return self.post(
            f"/api/v1/tasks/{task['id']}/complete",
            json={"data": {"decision": decision, "comment": comment}},
        )


class Auth:
    """Signing in and out of the pages (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        return self.client.post("/auth/login", data={"username": username, "password": password})

    def logout(self) -> TestResponse:
        return self.client.post("/auth/logout")
