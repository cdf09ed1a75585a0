"""The tus protocol of ``/api/v1/uploads``: create, append in pieces, resume, cancel."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from portal.documents.models import Document
from tests.helpers import Api, count_rows, minimal_pdf, minimal_png, stored_files

TUS = {"Tus-Resumable": "1.0.0"}
PIECE = "application/offset+octet-stream"
SLOT_LIMIT = 20 * 1024 * 1024


def big_pdf(size: int) -> bytes:
    """A PDF (sniffed as one) padded with a comment to ``size`` bytes."""
    head = minimal_pdf()
    return head + b"%" + b"x" * (size - len(head) - 2) + b"\n"


def metadata(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def headers(client: Api, **extra: str) -> dict[str, str]:
    return {**client._headers(), **TUS, **extra}


def create(client: Api, application: dict[str, Any], length: int, **overrides: str) -> TestResponse:
    pairs = {"application": application["id"], "slot": "business_licence", "filename": "执照.pdf"}
    pairs.update(overrides)
    return client.client.post(
        "/api/v1/uploads",
        headers=headers(
            client, **{"Upload-Length": str(length), "Upload-Metadata": metadata(**pairs)}
        ),
    )


def patch(client: Api, location: str, offset: int, piece: bytes, **extra: Any) -> TestResponse:
    return client.client.patch(
        location,
        data=piece,
        headers=headers(client, **{"Upload-Offset": str(offset), "Content-Type": PIECE}),
        **extra,
    )


def head(client: Api, location: str) -> TestResponse:
    return client.client.head(location, headers=headers(client))


def partial_files(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(root.iterdir()) if root.exists() else []


def test_options_announce_version_and_extensions(client: Any) -> None:
    response = client.options("/api/v1/uploads")

    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"] == "creation,termination"
    assert int(response.headers["Tus-Max-Size"]) >= 2 * 1024**3


def test_upload_in_pieces_becomes_a_document_version(app: Flask, cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = big_pdf(3 * 1024 * 1024 + 17)

    created = create(cinema, application, len(content))
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    assert created.headers["Upload-Offset"] == "0"
    offset = 0
    for start in range(0, len(content), 1024 * 1024):
        piece = content[start : start + 1024 * 1024]
        response = patch(cinema, location, offset, piece)
        assert response.status_code == 204, response.get_json()
        offset = int(response.headers["Upload-Offset"])
        assert offset == start + len(piece)

    document_id = response.headers["Upload-Document"]
    body = cinema.get(f"/api/v1/applications/{application['id']}").get_json()
    (document,) = body["documents"]
    assert document["id"] == document_id
    assert document["slot"] == "business_licence"
    assert document["filename"] == "执照.pdf"
    assert document["size"] == len(content)
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["content_type"] == "application/pdf"
    assert partial_files(app) == []
    assert head(cinema, location).status_code == 404


def test_interrupted_piece_keeps_what_arrived_and_resumes(app: Flask, cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = big_pdf(2 * 1024 * 1024)
    location = create(cinema, application, len(content)).headers["Location"]

    # The client promised the whole file but the connection drops after 1 MiB + 5.
    cut = 1024 * 1024 + 5
    dropped = patch(
        cinema,
        location,
        0,
        b"",
        input_stream=io.BytesIO(content[:cut]),
        environ_overrides={"CONTENT_LENGTH": str(len(content))},
    )
    assert dropped.status_code == 400

    status = head(cinema, location)
    assert status.status_code == 200
    assert status.headers["Upload-Offset"] == str(cut)
    assert status.headers["Upload-Length"] == str(len(content))
    assert count_rows(app, Document) == 0

    resumed = patch(cinema, location, cut, content[cut:])
    assert resumed.status_code == 204
    assert resumed.headers["Upload-Offset"] == str(len(content))
    body = cinema.get(f"/api/v1/applications/{application['id']}").get_json()
    assert body["documents"][0]["sha256"] == hashlib.sha256(content).hexdigest()


def test_wrong_offset_is_a_conflict_and_writes_nothing(cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = big_pdf(4096)
    location = create(cinema, application, len(content)).headers["Location"]
    assert patch(cinema, location, 0, content[:1000]).status_code == 204

    for offset in (0, 999, 1001):
        response = patch(cinema, location, offset, content[offset:])
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "conflict"
        assert head(cinema, location).headers["Upload-Offset"] == "1000"


def test_length_beyond_the_slot_is_refused_before_storing(app: Flask, cinema: Api) -> None:
    application = cinema.new_cinema_application()

    response = create(cinema, application, SLOT_LIMIT + 1)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert partial_files(app) == []


def test_more_bytes_than_announced_are_refused(cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = big_pdf(2048)
    location = create(cinema, application, len(content)).headers["Location"]
    assert patch(cinema, location, 0, content[:100]).status_code == 204

    response = patch(cinema, location, 100, content[100:] + b"extra")

    assert response.status_code == 413
    assert head(cinema, location).headers["Upload-Offset"] == "100"


def test_disguised_file_is_refused_and_forgotten(app: Flask, cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = b"MZ" + b"\x90" * 5000  # a Windows executable named .pdf

    location = create(cinema, application, len(content), filename="licence.pdf").headers["Location"]
    response = patch(cinema, location, 0, content)

    assert response.status_code == 422
    assert response.get_json()["errors"]["file"]
    assert count_rows(app, Document) == 0
    assert stored_files(app) == []
    assert partial_files(app) == []


def test_a_png_in_an_image_slot_is_judged_by_content(cinema: Api) -> None:
    application = cinema.new_cinema_application()
    content = minimal_png()
    location = create(cinema, application, len(content), filename="x.pdf").headers["Location"]

    response = patch(cinema, location, 0, content)

    assert response.status_code == 204
    body = cinema.get(f"/api/v1/applications/{application['id']}").get_json()
    assert body["documents"][0]["content_type"] == "image/png"


def test_termination_forgets_the_upload(app: Flask, cinema: Api) -> None:
    application = cinema.new_cinema_application()
    location = create(cinema, application, 5000).headers["Location"]
    patch(cinema, location, 0, big_pdf(5000)[:10])

    response = cinema.client.delete(location, headers=headers(cinema))

    assert response.status_code == 204
    assert head(cinema, location).status_code == 404
    assert partial_files(app) == []


def test_someone_elses_upload_is_not_found(api: Api, factory: Any, cinema: Api) -> None:
    application = cinema.new_cinema_application()
    location = create(cinema, application, 5000).headers["Location"]
    other = api.as_user(factory.applicant())

    assert head(other, location).status_code == 404
    assert patch(other, location, 0, b"%PDF").status_code == 404
    assert other.client.delete(location, headers=headers(other)).status_code == 404
    assert head(cinema, location).headers["Upload-Offset"] == "0"
    # Nor may anyone announce an upload to another organisation's application.
    assert create(other, application, 100).status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"Tus-Resumable": "0.2.2"}, 412),
        ({"Content-Type": "application/octet-stream"}, 415),
        ({"Upload-Offset": "-1"}, 422),
        ({"Upload-Offset": "abc"}, 422),
    ],
)
def test_malformed_pieces_are_refused(cinema: Api, change: dict[str, str], status: int) -> None:
    application = cinema.new_cinema_application()
    location = create(cinema, application, 5000).headers["Location"]
    sent = headers(cinema, **{"Upload-Offset": "0", "Content-Type": PIECE})
    sent.update(change)

    response = cinema.client.patch(location, data=b"%PDF-1.4", headers=sent)

    assert response.status_code == status
    assert head(cinema, location).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    ("length", "pairs", "field"),
    [
        ("abc", {"slot": "business_licence", "filename": "a.pdf"}, "Upload-Length"),
        ("100", {"filename": "a.pdf"}, "slot"),
        ("100", {"slot": "business_licence"}, "filename"),
        ("100", {"slot": "no_such_slot", "filename": "a.pdf"}, "slot"),
        ("0", {"slot": "business_licence", "filename": "a.pdf"}, "file"),
    ],
)
def test_malformed_creations_are_refused(
    app: Flask, cinema: Api, length: str, pairs: dict[str, str], field: str
) -> None:
    application = cinema.new_cinema_application()
    sent = headers(
        cinema,
        **{
            "Upload-Length": length,
            "Upload-Metadata": metadata(application=application["id"], **pairs),
        },
    )

    response = cinema.client.post("/api/v1/uploads", headers=sent)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert partial_files(app) == []


def test_unauthenticated_creation_is_refused(client: Any) -> None:
    response = client.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "10"})

    assert response.status_code == 401
