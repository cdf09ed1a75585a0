"""What only the S3 backend does: metadata, staging, multipart clean-up, the bucket."""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
from typing import Any

import pytest
from minio import Minio
from minio.error import S3Error

from storage import S3DocumentStore, TooLarge, create_store
from storage.s3 import STAGING_PREFIX
from tests.s3server import S3Server
from tests.storage import samples
from tests.storage.backends import everything_stored, pending_uploads
from tests.storage.streams import MIB, GeneratedStream

KEY = "documents/2026/11/0123456789abcdef0123456789abcdef"


def test_object_carries_digests_and_sniffed_type(s3_store: S3DocumentStore) -> None:
    data = samples.png()

    stored = s3_store.put(KEY, io.BytesIO(data))

    info = s3_store.client.stat_object(s3_store.bucket, KEY)
    assert info.content_type == "image/png"
    assert info.metadata["x-amz-meta-sha256"] == hashlib.sha256(data).hexdigest() == stored.sha256
    assert info.metadata["x-amz-meta-md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_staging_object_is_removed(s3_store: S3DocumentStore) -> None:
    s3_store.put(KEY, io.BytesIO(b"content"))

    assert everything_stored(s3_store) == [KEY]


@pytest.mark.slow
def test_too_large_aborts_the_multipart_upload_it_began(s3_store: S3DocumentStore) -> None:
    seen_during_upload: list[str] = []

    def watch(position: int) -> None:
        # Called by the source as the SDK reads the second part: the first part
        # is on the server by now, inside an unfinished multipart upload.
        if position >= 11 * MIB and not seen_during_upload:
            seen_during_upload.extend(pending_uploads(s3_store))

    with pytest.raises(TooLarge):
        s3_store.put(KEY, GeneratedStream(13 * MIB, on_read=watch), max_size=12 * MIB)

    assert len(seen_during_upload) == 1
    assert seen_during_upload[0].startswith(STAGING_PREFIX)
    assert pending_uploads(s3_store) == []
    assert everything_stored(s3_store) == []


def test_partly_read_stream_can_be_closed(s3_store: S3DocumentStore) -> None:
    s3_store.put(KEY, GeneratedStream(3 * MIB))

    stream = s3_store.open(KEY)
    assert len(stream.read(1000)) == 1000
    stream.close()

    assert stream.closed
    assert s3_store.stat(KEY) == 3 * MIB  # the client still works


def test_ensure_bucket_creates_once_and_tolerates_races(s3_server: S3Server) -> None:
    bucket = f"race-{uuid.uuid4().hex[:24]}"
    stores = [create_store(s3_server.settings(bucket)) for _ in range(6)]
    assert isinstance(stores[0], S3DocumentStore)
    assert not stores[0].client.bucket_exists(bucket)
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def ensure(store: S3DocumentStore) -> None:
        start.wait()
        try:
            store.ensure_bucket()
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=ensure, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert stores[0].client.bucket_exists(bucket)
    stores[0].ensure_bucket()  # and again, when it plainly exists


class _RivalCreatesBucketAfterCheck(Minio):
    """A real client whose first bucket check is followed, before it can act, by
    another machine creating the bucket: the interleaving ensure_bucket must survive."""

    def __init__(self, rival: Minio, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rival = rival

    def bucket_exists(self, bucket_name: str) -> bool:
        exists = super().bucket_exists(bucket_name)
        if not exists:
            self._rival.make_bucket(bucket_name)
        return exists


def test_ensure_bucket_survives_losing_the_race(s3_server: S3Server) -> None:
    # Outside us-east-1, S3 (and MinIO everywhere) answers a second create with
    # BucketAlreadyOwnedByYou instead of 200.
    options: dict[str, Any] = {
        "endpoint": s3_server.endpoint,
        "access_key": s3_server.access_key,
        "secret_key": s3_server.secret_key,
        "secure": False,
        "region": "eu-west-1",
    }
    bucket = f"race-{uuid.uuid4().hex[:24]}"
    rival = Minio(**options)
    store = S3DocumentStore(_RivalCreatesBucketAfterCheck(rival, **options), bucket)

    store.ensure_bucket()

    with pytest.raises(S3Error) as raised:  # the server really refused our create
        rival.make_bucket(bucket)
    assert raised.value.code == "BucketAlreadyOwnedByYou"
    store.put(KEY, io.BytesIO(b"content"))
    assert store.exists(KEY)


def test_missing_bucket_is_an_error_not_a_missing_object(s3_server: S3Server) -> None:
    store = create_store(s3_server.settings(f"absent-{uuid.uuid4().hex[:24]}"))

    # The SDK looks the bucket's region up first, and that lookup names the fault.
    for call in (
        lambda: store.put(KEY, io.BytesIO(b"x")),
        lambda: store.open(KEY),
        lambda: store.exists(KEY),
        lambda: store.stat(KEY),
    ):
        with pytest.raises(S3Error) as raised:
            call()
        assert raised.value.code == "NoSuchBucket"
