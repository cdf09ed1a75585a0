"""create_store picks the backend from the settings and says what is missing."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from storage import LocalDocumentStore, S3DocumentStore, create_store
from storage.factory import parse_endpoint, parse_flag
from tests.s3server import S3Server
from tests.storage.streams import read_all

MINIO = {
    "MINIO_ENDPOINT": "minio.internal:9000",
    "MINIO_ACCESS_KEY": "portal",
    "MINIO_SECRET_KEY": "not-a-real-secret",
    "MINIO_BUCKET": "documents",
}


def test_local_store_without_minio_endpoint(tmp_path: Path) -> None:
    store = create_store({"STORAGE_DIR": str(tmp_path / "docs"), "MINIO_ENDPOINT": ""})

    assert isinstance(store, LocalDocumentStore)
    assert store.root == tmp_path / "docs"


def test_local_store_needs_a_folder() -> None:
    with pytest.raises(ValueError, match="STORAGE_DIR"):
        create_store({})


def test_s3_store_with_minio_endpoint(tmp_path: Path) -> None:
    store = create_store({**MINIO, "STORAGE_DIR": str(tmp_path)})

    assert isinstance(store, S3DocumentStore)
    assert store.bucket == "documents"


@pytest.mark.parametrize("missing", ["MINIO_BUCKET", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_incomplete_minio_settings(missing: str, how: str) -> None:
    settings: dict[str, Any] = dict(MINIO)
    if how == "absent":
        del settings[missing]
    else:
        settings[missing] = ""

    with pytest.raises(ValueError, match=missing):
        create_store(settings)


def test_all_missing_minio_settings_are_named() -> None:
    with pytest.raises(ValueError) as raised:
        create_store({"MINIO_ENDPOINT": "minio:9000"})

    for name in ("MINIO_BUCKET", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"):
        assert name in str(raised.value)


@pytest.mark.parametrize(
    ("endpoint", "secure", "expected"),
    [
        ("minio:9000", None, ("minio:9000", True)),
        ("minio:9000", "", ("minio:9000", True)),
        ("minio:9000", False, ("minio:9000", False)),
        ("minio:9000", "0", ("minio:9000", False)),
        ("minio:9000", "false", ("minio:9000", False)),
        ("minio:9000", "True", ("minio:9000", True)),
        ("minio:9000", "1", ("minio:9000", True)),
        ("http://minio:9000", None, ("minio:9000", False)),
        ("http://minio:9000/", "true", ("minio:9000", False)),
        ("https://minio.example.cn", "0", ("minio.example.cn", True)),
        (" 10.0.0.5:9000 ", "no", ("10.0.0.5:9000", False)),
    ],
)
def test_parse_endpoint(endpoint: str, secure: object, expected: tuple[str, bool]) -> None:
    assert parse_endpoint(endpoint, secure) == expected


@pytest.mark.parametrize(
    "endpoint", ["ftp://minio:21", "http://minio:9000/bucket", "http://", "https://minio?x=1"]
)
def test_bad_endpoint(endpoint: str) -> None:
    with pytest.raises(ValueError, match="MINIO_ENDPOINT"):
        create_store({**MINIO, "MINIO_ENDPOINT": endpoint})


def test_bad_secure_flag() -> None:
    with pytest.raises(ValueError, match="MINIO_SECURE"):
        create_store({**MINIO, "MINIO_SECURE": "maybe"})


def test_parse_flag_passes_booleans_through() -> None:
    assert parse_flag(True, name="X") is True
    assert parse_flag(False, name="X") is False
    assert parse_flag(None, name="X") is None


@pytest.mark.parametrize("endpoint_form", ["{endpoint}", "http://{endpoint}"])
def test_factory_store_talks_to_the_server(s3_server: S3Server, endpoint_form: str) -> None:
    settings = s3_server.settings(f"factory-{uuid.uuid4().hex[:24]}")
    settings["MINIO_ENDPOINT"] = endpoint_form.format(endpoint=s3_server.endpoint)
    if endpoint_form.startswith("http://"):
        del settings["MINIO_SECURE"]  # the scheme alone decides
    else:
        settings["MINIO_SECURE"] = "false"
    store = create_store(settings)
    assert isinstance(store, S3DocumentStore)

    store.ensure_bucket()
    store.put("documents/a", io.BytesIO(b"content"))

    assert read_all(store.open("documents/a")) == b"content"
