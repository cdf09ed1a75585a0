"""Choosing and building the document store from the application's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from minio import Minio

from storage.interfaces import DocumentStore
from storage.local import LocalDocumentStore
from storage.s3 import S3DocumentStore

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def create_store(settings: Mapping[str, Any]) -> DocumentStore:
    """Build the document store the settings ask for, without touching it.

    With ``MINIO_ENDPOINT`` set (and not empty): an :class:`S3DocumentStore` on
    ``MINIO_BUCKET`` with ``MINIO_ACCESS_KEY`` and ``MINIO_SECRET_KEY``; TLS per
    :func:`parse_endpoint`. Call its ``ensure_bucket()`` once at start-up.
    Otherwise: a :class:`LocalDocumentStore` in ``STORAGE_DIR``.

    :raise ValueError: a setting the chosen backend needs is missing or malformed.
    """
    endpoint = settings.get("MINIO_ENDPOINT")
    if not endpoint:
        storage_dir = settings.get("STORAGE_DIR")
        if not storage_dir:
            raise ValueError("set STORAGE_DIR (a folder) or MINIO_ENDPOINT for the document store")
        return LocalDocumentStore(storage_dir)

    missing = [
        name
        for name in ("MINIO_BUCKET", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY")
        if not settings.get(name)
    ]
    if missing:
        raise ValueError(f"MINIO_ENDPOINT is set, so the document store also needs {missing}")
    host, secure = parse_endpoint(str(endpoint), settings.get("MINIO_SECURE"))
    client = Minio(
        host,
        access_key=str(settings["MINIO_ACCESS_KEY"]),
        secret_key=str(settings["MINIO_SECRET_KEY"]),
        secure=secure,
    )
    return S3DocumentStore(client, str(settings["MINIO_BUCKET"]))


def parse_endpoint(endpoint: str, secure: object = None) -> tuple[str, bool]:
    """Split a MinIO endpoint into ``host:port`` and whether to use TLS.

    ``endpoint`` is ``host[:port]`` or ``http(s)://host[:port]``. A scheme
    decides TLS by itself; without one, ``secure`` does (see :func:`parse_flag`),
    defaulting to TLS.

    :raise ValueError: the endpoint has another scheme, a path, or no host, or
        ``secure`` is not a recognised flag.
    """
    text = endpoint.strip()
    if "://" not in text:
        flag = parse_flag(secure, name="MINIO_SECURE")
        text = f"{'https' if flag is not False else 'http'}://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"MINIO_ENDPOINT must use http or https, not {parts.scheme!r}")
    if not parts.hostname or parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(
            f"MINIO_ENDPOINT must be host:port or http(s)://host:port, not {endpoint!r}"
        )
    return parts.netloc, parts.scheme == "https"


def parse_flag(value: object, *, name: str) -> bool | None:
    """Read a boolean setting: a bool, or 1/0, true/false, yes/no, on/off in any case.

    ``None`` and the empty string mean "not set" and give ``None``.

    :raise ValueError: any other value, naming the setting ``name``.
    """
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")
