"""The document store: immutable uploaded files behind one interface.

A lower layer: it never imports Flask or the ``portal`` package. Typical use::

    store = create_store(app.config)
    stored = ingest(store, new_key("documents"), upload.stream,
                    allowed=allowed_types(["pdf", "jpg"]), max_size=20 * 1024 * 1024)
    # record stored.key, .size, .sha256, .md5 and .content_type in the database
"""

from storage.factory import create_store
from storage.filetypes import EXTENSION_TYPES, SNIFF_BYTES, allowed_types, sniff
from storage.ingest import ingest
from storage.interfaces import (
    DocumentStore,
    ObjectExists,
    ObjectNotFound,
    StorageError,
    StoredObject,
    TooLarge,
    WrongType,
)
from storage.keys import new_key, validate_key
from storage.local import LocalDocumentStore
from storage.s3 import S3DocumentStore

__all__ = [
    "EXTENSION_TYPES",
    "SNIFF_BYTES",
    "DocumentStore",
    "LocalDocumentStore",
    "ObjectExists",
    "ObjectNotFound",
    "S3DocumentStore",
    "StorageError",
    "StoredObject",
    "TooLarge",
    "WrongType",
    "allowed_types",
    "create_store",
    "ingest",
    "new_key",
    "sniff",
    "validate_key",
]
