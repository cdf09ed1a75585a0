"""Fixtures for the document-store tests: every shared test runs on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import DocumentStore, LocalDocumentStore


@pytest.fixture
def local_store(tmp_path: Path) -> LocalDocumentStore:
    return LocalDocumentStore(tmp_path / "documents")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> DocumentStore:
    """The same tests against a folder and against S3 (moto) through the minio SDK."""
    name = "local_store" if request.param == "local" else "s3_store"
    return request.getfixturevalue(name)
