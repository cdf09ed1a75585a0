"""Looking behind a store's interface: everything a backend holds, finished or not."""

from __future__ import annotations

from storage import DocumentStore, LocalDocumentStore, S3DocumentStore


def everything_stored(store: DocumentStore) -> list[str]:
    """Every file or object the backend holds, including temporary and staging ones,
    and (for S3) every multipart upload still in progress, as ``upload:<key>``."""
    if isinstance(store, LocalDocumentStore):
        if not store.root.exists():
            return []
        return sorted(
            path.relative_to(store.root).as_posix()
            for path in store.root.rglob("*")
            if not path.is_dir()
        )
    assert isinstance(store, S3DocumentStore)
    objects = [
        str(item.object_name) for item in store.client.list_objects(store.bucket, recursive=True)
    ]
    return sorted(objects + [f"upload:{key}" for key in pending_uploads(store)])


def pending_uploads(store: S3DocumentStore) -> list[str]:
    """Keys of multipart uploads begun and neither completed nor aborted.

    The minio SDK lists them only through a private method; it is the SDK's own
    ListMultipartUploads call, which is what we need to see.
    """
    result = store.client._list_multipart_uploads(store.bucket)
    return [str(upload.object_name) for upload in result.uploads]
