"""Application documents: upload, versions, download."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import OrgType
from portal.core.extensions import db
from portal.documents.models import Document
from tests.helpers import Api, Factory, count_rows, minimal_pdf, minimal_png, stored_files

MIB = 1024 * 1024
SLOT_LIMIT = 20 * MIB


def documents_url(application: dict[str, Any]) -> str:
    return f"/api/v1/applications/{application['id']}/documents"


def listed(client: Api, application: dict[str, Any]) -> list[dict[str, Any]]:
    body = client.get(f"/api/v1/applications/{application['id']}").get_json()
    return list(body["documents"])


def test_upload_records_hash_size_and_sniffed_type(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    content = minimal_pdf()

    response = cinema.upload(documents_url(created), "business_licence", content, "营业执照.pdf")

    assert response.status_code == 201
    body = response.get_json()
    assert body["slot"] == "business_licence"
    assert body["filename"] == "营业执照.pdf"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["version"] == 1
    assert [d["id"] for d in listed(cinema, created)] == [body["id"]]
    assert len(stored_files(app)) == 1
    history = cinema.get(f"/api/v1/applications/{created['id']}").get_json()["history"]
    assert history[-1]["action"] == "document_uploaded"


def test_type_is_judged_by_content_not_by_name(cinema: Api) -> None:
    created = cinema.new_cinema_application()

    response = cinema.upload(documents_url(created), "screening_licence", minimal_png(), "x.pdf")

    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/png"
    assert response.get_json()["filename"] == "x.pdf"


def test_file_name_is_reduced_to_its_base_name(cinema: Api) -> None:
    created = cinema.new_cinema_application()
    response = cinema.upload(
        documents_url(created), "business_licence", minimal_pdf(), "../../etc/licence.pdf"
    )
    assert response.status_code == 201
    assert response.get_json()["filename"] == "licence.pdf"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"This is plain text, not a PDF.\n", "licence.pdf"),
        (b"<html><body>licence</body></html>", "licence.png"),
        (b"PK\x03\x04" + b"\x00" * 60, "licence.jpg"),
        (b"\x00\x01\x02\x03" * 64, "licence.pdf"),
    ],
    ids=["text", "html", "zip", "binary"],
)
def test_a_type_the_slot_refuses_is_422_and_nothing_is_stored(
    app: Flask, cinema: Api, content: bytes, filename: str
) -> None:
    created = cinema.new_cinema_application()

    response = cinema.upload(documents_url(created), "business_licence", content, filename)

    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]
    assert count_rows(app, Document) == 0
    assert listed(cinema, created) == []
    assert stored_files(app) == []


def test_empty_file_is_422(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    response = cinema.upload(documents_url(created), "business_licence", b"", "licence.pdf")
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == ["文件为空。"]
    assert count_rows(app, Document) == 0
    assert stored_files(app) == []


def test_over_the_slot_limit_is_413_and_nothing_is_stored(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    pdf = minimal_pdf()
    too_big = pdf + b"\0" * (SLOT_LIMIT + 1 - len(pdf))

    response = cinema.upload(documents_url(created), "business_licence", too_big, "big.pdf")

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count_rows(app, Document) == 0
    assert stored_files(app) == []


def test_exactly_the_slot_limit_is_accepted(cinema: Api) -> None:
    created = cinema.new_cinema_application()
    pdf = minimal_pdf()
    just_fits = pdf + b"\0" * (SLOT_LIMIT - len(pdf))

    response = cinema.upload(documents_url(created), "business_licence", just_fits, "big.pdf")

    assert response.status_code == 201
    assert response.get_json()["size"] == SLOT_LIMIT


def test_unknown_slot_is_422(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    response = cinema.upload(documents_url(created), "tax_certificate", minimal_pdf())
    assert response.status_code == 422
    assert "slot" in response.get_json()["errors"]
    assert count_rows(app, Document) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({"slot": "business_licence"}, {"file"}),
        ({"file": (io.BytesIO(b"%PDF-1.4\n"), "x.pdf")}, {"slot"}),
        ({"slot": "", "file": (io.BytesIO(b"%PDF-1.4\n"), "x.pdf")}, {"slot"}),
        ({"slot": "business_licence", "file": (io.BytesIO(b"%PDF-1.4\n"), "")}, {"file"}),
        ({}, {"slot", "file"}),
    ],
    ids=["no-file", "no-slot", "empty-slot", "no-filename", "nothing"],
)
def test_missing_slot_or_file_is_422(
    app: Flask, cinema: Api, data: dict[str, Any], missing: set[str]
) -> None:
    created = cinema.new_cinema_application()
    response = cinema.client.post(
        documents_url(created),
        data=data,
        headers={"Authorization": f"Bearer {cinema.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == missing
    assert count_rows(app, Document) == 0


def test_json_instead_of_multipart_is_422(cinema: Api) -> None:
    created = cinema.new_cinema_application()
    response = cinema.post(documents_url(created), json={"slot": "business_licence"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"slot", "file"}


def test_upload_after_submit_is_409(app: Flask, cinema: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    before = count_rows(app, Document)
    files_before = stored_files(app)

    response = cinema.upload(documents_url(submitted), "business_licence", minimal_pdf())

    assert response.status_code == 409
    assert count_rows(app, Document) == before
    assert stored_files(app) == files_before


def test_upload_to_someone_elses_application_is_404(
    app: Flask, cinema: Api, other_cinema: Api
) -> None:
    created = cinema.new_cinema_application()
    response = other_cinema.upload(documents_url(created), "business_licence", minimal_pdf())
    assert response.status_code == 404
    assert count_rows(app, Document) == 0


def test_reviewer_may_not_upload_to_the_application(app: Flask, cinema: Api, hunan: Api) -> None:
    """The reviewer sees the application (403, not 404) but adds nothing to it."""
    submitted = cinema.submitted_cinema_application()
    before = count_rows(app, Document)
    response = hunan.upload(documents_url(submitted), "business_licence", minimal_pdf())
    assert response.status_code == 403
    assert count_rows(app, Document) == before


def test_a_second_upload_makes_a_new_version_and_keeps_the_first(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    first_content, second_content = minimal_pdf(), minimal_png()
    first = cinema.upload(documents_url(created), "business_licence", first_content).get_json()

    response = cinema.upload(documents_url(created), "business_licence", second_content, "b.png")

    assert response.status_code == 201
    second = response.get_json()
    assert (first["version"], second["version"]) == (1, 2)
    assert first["id"] != second["id"]
    versions = [(d["id"], d["version"], d["sha256"]) for d in listed(cinema, created)]
    assert versions == [
        (first["id"], 1, hashlib.sha256(first_content).hexdigest()),
        (second["id"], 2, hashlib.sha256(second_content).hexdigest()),
    ]
    # The first version's bytes are untouched.
    assert cinema.download(f"/api/v1/documents/{first['id']}").data == first_content
    assert cinema.download(f"/api/v1/documents/{second['id']}").data == second_content
    with app.app_context():
        keys = db.session.scalars(sa.select(Document.storage_key)).all()
    assert len(set(keys)) == 2
    assert len(stored_files(app)) == 2


def test_stored_files_are_read_only(app: Flask, cinema: Api) -> None:
    created = cinema.new_cinema_application()
    cinema.upload(documents_url(created), "business_licence", minimal_pdf())
    (path,) = stored_files(app)
    assert path.stat().st_mode & 0o222 == 0


def test_versions_are_per_slot(cinema: Api) -> None:
    created = cinema.new_cinema_application()
    cinema.upload(documents_url(created), "business_licence", minimal_pdf())
    response = cinema.upload(documents_url(created), "screening_licence", minimal_pdf())
    assert response.get_json()["version"] == 1


def test_documents_may_be_replaced_after_a_return(cinema: Api, hunan: Api) -> None:
    submitted = cinema.submitted_cinema_application()
    hunan.decide(submitted["id"], "return", "营业执照已过期")

    response = cinema.upload(documents_url(submitted), "business_licence", minimal_png(), "新.png")

    assert response.status_code == 201
    assert response.get_json()["version"] == 2


# Downloading ---------------------------------------------------------------------------


@pytest.fixture
def uploaded(cinema: Api) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """A submitted application and its business licence (a PNG) with its bytes."""
    created = cinema.new_cinema_application()
    content = minimal_png()
    document = cinema.upload(
        documents_url(created), "business_licence", content, "营业执照.png"
    ).get_json()
    cinema.upload(documents_url(created), "screening_licence", minimal_pdf())
    submitted = cinema.post(f"/api/v1/applications/{created['id']}/submit").get_json()
    return submitted, document, content


def test_owner_downloads_the_exact_bytes(
    cinema: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, content = uploaded

    response = cinema.download(f"/api/v1/documents/{document['id']}")

    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]


def test_colleague_downloads(
    api: Api,
    factory: Factory,
    cinema_user: Any,
    uploaded: tuple[dict[str, Any], dict[str, Any], bytes],
) -> None:
    _, document, content = uploaded
    colleague = api.as_user(factory.colleague(cinema_user))
    assert colleague.download(f"/api/v1/documents/{document['id']}").data == content


def test_reviewer_in_scope_downloads(
    hunan: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, content = uploaded
    response = hunan.download(f"/api/v1/documents/{document['id']}")
    assert response.status_code == 200
    assert response.data == content


def test_reviewer_in_scope_still_downloads_after_deciding(
    hunan: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    submitted, document, content = uploaded
    assert hunan.decide(submitted["id"], "approve").status_code == 200
    assert hunan.download(f"/api/v1/documents/{document['id']}").data == content


def test_other_organisation_gets_404(
    other_cinema: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, _ = uploaded
    response = other_cinema.download(f"/api/v1/documents/{document['id']}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_reviewer_out_of_scope_gets_404(
    beijing: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, _ = uploaded
    assert beijing.download(f"/api/v1/documents/{document['id']}").status_code == 404


def test_national_reviewer_gets_404_for_a_provincial_matter(
    national: Api, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, _ = uploaded
    assert national.download(f"/api/v1/documents/{document['id']}").status_code == 404


def test_reviewer_cannot_see_documents_of_a_draft(
    cinema: Api, hunan: Api, factory: Factory
) -> None:
    created = cinema.new_cinema_application()
    document = cinema.upload(documents_url(created), "business_licence", minimal_pdf()).get_json()
    assert hunan.download(f"/api/v1/documents/{document['id']}").status_code == 404


def test_unauthenticated_download_is_401(
    client: FlaskClient, uploaded: tuple[dict[str, Any], dict[str, Any], bytes]
) -> None:
    _, document, _ = uploaded
    response = client.get(f"/api/v1/documents/{document['id']}")
    assert response.status_code == 401


@pytest.mark.parametrize("document_id", ["00000000-0000-0000-0000-000000000000", "abc"])
def test_unknown_document_is_404(cinema: Api, document_id: str) -> None:
    assert cinema.download(f"/api/v1/documents/{document_id}").status_code == 404


def test_vendor_cannot_upload_to_a_cinema_application(
    api: Api, factory: Factory, cinema: Api
) -> None:
    created = cinema.new_cinema_application()
    vendor = api.as_user(factory.applicant(org_type=OrgType.TICKETING_VENDOR))
    response = vendor.upload(documents_url(created), "business_licence", minimal_pdf())
    assert response.status_code == 404
