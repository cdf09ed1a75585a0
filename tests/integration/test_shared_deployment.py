"""Several portal machines sharing one database and one MinIO bucket."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Role
from portal.applications.models import ProcessDefinition
from portal.core.extensions import db, documents
from storage import S3DocumentStore
from tests.helpers import Api, Factory, minimal_png
from tests.integration.test_concurrency import race
from tests.s3server import S3Server


@pytest.fixture
def shared_config(app_config: dict[str, Any], s3_server: S3Server) -> dict[str, Any]:
    """One database and one bucket for every machine of the test."""
    return {**app_config, **s3_server.settings(f"portal-{uuid.uuid4().hex[:20]}")}


MakeApp = Callable[[dict[str, Any]], Flask]


def test_a_document_uploaded_on_one_machine_downloads_on_another(
    shared_config: dict[str, Any], make_app: MakeApp
) -> None:
    machine_a, machine_b = make_app(shared_config), make_app(shared_config)
    factory = Factory(machine_a)
    cinema = factory.applicant()
    on_a = Api(machine_a.test_client()).login(cinema.username)
    on_b = Api(machine_b.test_client()).login(cinema.username)

    application = on_a.new_cinema_application()
    content = minimal_png()
    uploaded = on_a.upload(
        f"/api/v1/applications/{application['id']}/documents", "business_licence", content, "x.png"
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    document = uploaded.get_json()
    assert document["content_type"] == "image/png"
    assert document["sha256"] == hashlib.sha256(content).hexdigest()

    downloaded = on_b.get(f"/api/v1/documents/{document['id']}")
    assert downloaded.status_code == 200
    assert downloaded.data == content

    with machine_b.app_context():
        store = documents.store
        assert isinstance(store, S3DocumentStore)
        key = db.session.execute(sa.text("SELECT storage_key FROM documents")).scalar_one()
        assert store.exists(key)
        assert store.stat(key) == len(content)


def test_machines_starting_together_publish_each_definition_once(
    shared_config: dict[str, Any], make_app: MakeApp
) -> None:
    apps: list[Flask] = race([lambda: make_app(shared_config) for _ in range(4)])
    with apps[0].app_context():
        versions = db.session.scalars(
            sa.select(ProcessDefinition.version).where(
                ProcessDefinition.key == "cinema_registration"
            )
        ).all()
    assert versions == [1]


def test_every_machine_serves_the_same_applications(
    shared_config: dict[str, Any], make_app: MakeApp
) -> None:
    machine_a, machine_b = make_app(shared_config), make_app(shared_config)
    factory = Factory(machine_a)
    reviewer = factory.staff(Role.PROVINCIAL_REVIEWER, "43")
    cinema = Api(machine_a.test_client()).login(factory.applicant().username)
    submitted = cinema.submitted_cinema_application()
    province = Api(machine_b.test_client()).login(reviewer.username)
    decided = province.decide(submitted["id"], "approve")
    assert decided.status_code == 200
    assert decided.get_json()["result"]["cinema_code"] == "43000001"
