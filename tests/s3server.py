"""A real S3 endpoint for the tests: moto's server on a free local port, one per worker.

Registered as a pytest plugin in ``tests/conftest.py``. moto is imported only
when a test asks for the server, so runs that do not need S3 do not pay for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from storage import S3DocumentStore, create_store


@dataclass(frozen=True)
class S3Server:
    """Where the test S3 server listens and the (fake) credentials it accepts."""

    endpoint: str
    access_key: str
    secret_key: str

    def settings(self, bucket: str) -> dict[str, object]:
        """Settings that make :func:`storage.create_store` use this server."""
        return {
            "MINIO_ENDPOINT": self.endpoint,
            "MINIO_ACCESS_KEY": self.access_key,
            "MINIO_SECRET_KEY": self.secret_key,
            "MINIO_BUCKET": bucket,
            "MINIO_SECURE": False,
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """Start moto's S3 server on 127.0.0.1 and a port the OS picks; stop it at the end."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415  (lazy: see the module notes)

    # Port 0 lets the OS choose a free port, so parallel workers never clash.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(
            endpoint=f"{host}:{port}",
            access_key="test-access-key",
            secret_key="test-secret-key",
        )
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_server: S3Server) -> S3DocumentStore:
    """A store on a new, empty bucket of the test server, built by ``create_store``."""
    store = create_store(s3_server.settings(f"test-{uuid.uuid4().hex[:24]}"))
    assert isinstance(store, S3DocumentStore)
    store.ensure_bucket()
    return store
