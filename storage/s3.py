"""The document store on an S3 bucket (MinIO in production), through the minio SDK."""

from __future__ import annotations

import io
import logging
import uuid
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from minio import Minio
from minio.commonconfig import REPLACE, CopySource
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

from storage.filetypes import sniff
from storage.interfaces import DocumentStore, ObjectExists, ObjectNotFound, StoredObject
from storage.keys import validate_key
from storage.streams import DigestingReader

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from urllib3 import BaseHTTPResponse

logger = logging.getLogger(__name__)

PART_SIZE = 10 * 1024 * 1024
STAGING_PREFIX = ".staging/"
"""Where uploads land before they are copied to their key; no key can start with a dot.
Objects left here come from crashed uploads; a bucket lifecycle rule may expire them."""

_MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound"})
_BUCKET_TAKEN_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


class S3DocumentStore(DocumentStore):
    """Objects in one S3 bucket, shared safely by several portal machines.

    :meth:`put` streams the upload to a unique staging key (multipart above
    ``part_size``), then copies it server-side to its key with the SHA-256 and
    MD5 as metadata (``x-amz-meta-sha256``, ``x-amz-meta-md5``) and the sniffed
    Content-Type. S3 makes an object visible only once it is complete, so a
    reader never sees half an upload, and the digests, which are known only at
    the end of the stream, are on the object from its first moment. The staging
    object is removed afterwards.

    Immutability is checked, not enforced by the server: the key is checked
    before the upload and again just before the copy, so the race left is two
    writers copying the same key within milliseconds. Keys from
    :func:`storage.keys.new_key` are random, so only a caller reusing a key by
    mistake could meet it. (S3's ``If-None-Match: *`` would close it, but the
    minio SDK offers no way to send it on the write requests.)

    Memory use is bounded by one part: uploads are sent one part at a time,
    because the SDK queues parts for its parallel uploaders without limit.

    When an upload fails (``TooLarge``, a broken source, a network error) the
    SDK aborts the multipart upload it had begun, so nothing is left. A machine
    that dies mid-upload leaves an unfinished multipart upload or a staging
    object, never a visible object under a key; lifecycle rules on the bucket
    (AbortIncompleteMultipartUpload, expiry of ``.staging/``) sweep those.

    A missing bucket makes every method raise ``minio.error.S3Error`` with code
    ``NoSuchBucket`` (the SDK's region lookup reports it), not ObjectNotFound.
    """

    def __init__(self, client: Minio, bucket: str, *, part_size: int = PART_SIZE) -> None:
        self._client = client
        self._bucket = bucket
        self._part_size = part_size

    @property
    def client(self) -> Minio:
        """The SDK client, for maintenance the store interface does not cover."""
        return self._client

    @property
    def bucket(self) -> str:
        """The bucket holding the objects."""
        return self._bucket

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists; safe when several machines race to do it.

        :raise minio.error.S3Error: the bucket cannot be created or reached,
            e.g. the name belongs to another account.
        """
        if self._client.bucket_exists(self._bucket):
            return
        try:
            self._client.make_bucket(self._bucket)
        except S3Error as exc:
            # Another machine created it between our check and our request.
            if exc.code not in _BUCKET_TAKEN_CODES or not self._client.bucket_exists(self._bucket):
                raise

    def put(self, key: str, stream: IO[bytes], *, max_size: int | None = None) -> StoredObject:
        """Store ``stream`` under ``key``; see :meth:`DocumentStore.put` and the class notes.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectExists: an object is already stored under ``key``.
        :raise TooLarge: more than ``max_size`` bytes arrived; nothing is kept
            (the SDK aborts the multipart upload it had begun).
        """
        if self.exists(key):
            raise ObjectExists(key)
        reader = DigestingReader(stream, max_size=max_size)
        content_type = sniff(reader.read_head())
        staging_key = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        self._client.put_object(
            self._bucket,
            staging_key,
            # The SDK only calls read(); the reader hashes, counts and enforces max_size.
            cast(BinaryIO, reader),
            length=-1,
            part_size=self._part_size,
            num_parallel_uploads=1,
            content_type=content_type,
        )
        try:
            stored = reader.result(key, content_type)
            if self.exists(key):
                raise ObjectExists(key)
            self._client.copy_object(
                self._bucket,
                key,
                CopySource(self._bucket, staging_key),
                metadata={
                    "Content-Type": content_type,
                    "sha256": stored.sha256,
                    "md5": stored.md5,
                },
                metadata_directive=REPLACE,
            )
        finally:
            self._remove_staging(staging_key)
        return stored

    def open(self, key: str) -> BinaryIO:
        """Stream the object's bytes; closing the stream releases the connection.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """
        try:
            response = self._client.get_object(self._bucket, validate_key(key))
        except S3Error as exc:
            if exc.code in _MISSING_OBJECT_CODES:
                raise ObjectNotFound(key) from None
            raise
        return io.BufferedReader(_ResponseRaw(response))

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``.

        :raise ValueError: ``key`` is invalid.
        """
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def stat(self, key: str) -> int:
        """Return the object's size in bytes.

        :raise ValueError: ``key`` is invalid.
        :raise ObjectNotFound: nothing is stored under ``key``.
        """
        try:
            info = self._client.stat_object(self._bucket, validate_key(key))
        except S3Error as exc:
            if exc.code in _MISSING_OBJECT_CODES:
                raise ObjectNotFound(key) from None
            raise
        return int(info.size or 0)

    def _remove_staging(self, staging_key: str) -> None:
        try:
            self._client.remove_object(self._bucket, staging_key)
        except (MinioException, HTTPError):
            # Never hide the outcome of the upload itself; the leftover is invisible
            # to keys and can be expired by a lifecycle rule on the staging prefix.
            logger.warning(
                "could not remove staging object %s/%s", self._bucket, staging_key, exc_info=True
            )


class _ResponseRaw(io.RawIOBase):
    """A raw stream over a urllib3 response that releases the connection on close."""

    def __init__(self, response: BaseHTTPResponse) -> None:
        super().__init__()
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._response.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()
