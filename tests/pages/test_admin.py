"""The administrator's pages: process definitions and users."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role
from portal.applications.models import ProcessDefinition
from tests.helpers import Factory
from tests.packages import bpmn_of
from tests.pages.support import count, signed_in, text

CINEMA_BPMN = bpmn_of("cinema_registration").decode("utf-8")
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture
def admin(app: Flask, factory: Factory) -> FlaskClient:
    factory.staff(Role.ADMIN, username="root")
    return signed_in(app, "root")


def upload(client: FlaskClient, bpmn: str, forms: dict[str, dict] | None = None):  # type: ignore[no-untyped-def, type-arg]
    data: dict[str, object] = {"bpmn": (io.BytesIO(bpmn.encode()), "process.bpmn")}
    if forms:
        data["forms"] = [
            (io.BytesIO(json.dumps(schema).encode()), name) for name, schema in forms.items()
        ]
    return client.post("/admin/definitions", data=data, content_type="multipart/form-data")


def test_definitions_page_lists_versions(admin: FlaskClient) -> None:
    page = admin.get("/admin/definitions")
    assert page.status_code == 200
    body = text(page)
    assert "流程定义" in body
    assert "cinema_registration" in body
    assert "cinema_registration, review" in body
    assert "发布新版本" in body


def test_publishing_a_new_version(app: Flask, admin: FlaskClient) -> None:
    before = count(app, ProcessDefinition)
    renamed = CINEMA_BPMN.replace(
        'name="电影院注册" isExecutable', 'name="电影院注册（新版）" isExecutable'
    )
    response = upload(admin, renamed)
    assert response.status_code == 302
    page = text(admin.get("/admin/definitions"))
    assert "已发布 cinema_registration 第 2 版" in page
    assert "电影院注册（新版）" in page
    assert count(app, ProcessDefinition) == before + 1

    again = upload(admin, renamed)
    assert again.status_code == 302
    assert "内容相同的版本已发布" in text(admin.get("/admin/definitions"))
    assert count(app, ProcessDefinition) == before + 1


def test_invalid_definition_lists_every_problem(app: Flask, admin: FlaskClient) -> None:
    before = count(app, ProcessDefinition)
    broken = CINEMA_BPMN.replace('name="provincial_reviewer"', 'name="mayor"').replace(
        'name="form" value="review"', 'name="form" value="no_such_form"'
    )
    response = upload(admin, broken)
    assert response.status_code == 200
    page = text(response)
    assert "定义未发布" in page
    assert "mayor" in page
    assert "no_such_form" in page
    assert "provincial_review" in page  # the element of the unknown form
    assert count(app, ProcessDefinition) == before


def test_invalid_form_files_are_listed(admin: FlaskClient) -> None:
    response = admin.post(
        "/admin/definitions",
        data={
            "bpmn": (io.BytesIO(CINEMA_BPMN.encode()), "process.bpmn"),
            "forms": [(io.BytesIO(b"{not json"), "broken.json")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "broken.json" in text(response)


def test_bpmn_file_is_required(admin: FlaskClient) -> None:
    response = admin.post("/admin/definitions", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "请选择要发布的 BPMN 文件" in text(response)


def test_users_list(admin: FlaskClient, factory: Factory) -> None:
    factory.staff(Role.PROVINCIAL_REVIEWER, "43", username="hunan")
    page = text(admin.get("/admin/users"))
    assert "hunan" in page and "省级电影主管部门" in page and "湖南省" in page
    assert "root" in page and "门户管理员" in page


def test_publishing_a_package_with_its_manifest(app: Flask, admin: FlaskClient) -> None:
    package = PROCESSES / "pilot_admission"
    data: dict[str, object] = {
        "bpmn": (io.BytesIO((package / "process.bpmn").read_bytes()), "process.bpmn"),
        "forms": [
            (io.BytesIO(path.read_bytes()), path.name)
            for path in sorted((package / "forms").glob("*.json"))
        ],
        "manifest": (io.BytesIO((package / "manifest.json").read_bytes()), "manifest.json"),
    }
    response = admin.post("/admin/definitions", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = text(admin.get("/admin/definitions"))
    assert "已发布 pilot_admission 第 1 版" in page
    assert "文化消费试点企业准入" in page  # the manifest's name


def test_a_manifest_that_is_not_json_is_listed(admin: FlaskClient) -> None:
    data: dict[str, object] = {
        "bpmn": (io.BytesIO(CINEMA_BPMN.encode()), "process.bpmn"),
        "manifest": (io.BytesIO(b"{not json"), "manifest.json"),
    }
    response = admin.post("/admin/definitions", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "manifest.json：不是有效的 JSON。" in text(response)
