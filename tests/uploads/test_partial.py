"""The partial-upload folder of the storage layer, without HTTP."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from storage import TooLarge
from storage.partial import OffsetMismatch, PartialUploads, UploadNotFound


class Dropped(io.BytesIO):
    """A body whose connection drops after the bytes it holds."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise ConnectionResetError("dropped")
        return data


def test_pieces_append_and_the_metadata_is_kept(tmp_path: Path) -> None:
    uploads = PartialUploads(tmp_path)
    upload = uploads.create(10, {"slot": "a", "filename": "执照.pdf"})

    assert uploads.append(upload.id, 0, io.BytesIO(b"01234")).offset == 5
    done = uploads.append(upload.id, 5, io.BytesIO(b"56789"))

    assert done.complete
    assert done.metadata == {"slot": "a", "filename": "执照.pdf"}
    with uploads.open(upload.id) as stream:
        assert stream.read() == b"0123456789"


def test_a_dropped_piece_keeps_what_arrived(tmp_path: Path) -> None:
    uploads = PartialUploads(tmp_path)
    upload = uploads.create(10, {})

    with pytest.raises(ConnectionResetError):
        uploads.append(upload.id, 0, Dropped(b"0123"))

    assert uploads.get(upload.id).offset == 4
    assert uploads.append(upload.id, 4, io.BytesIO(b"456789")).complete


@pytest.mark.parametrize("offset", [0, 2, 4])
def test_a_wrong_offset_writes_nothing(tmp_path: Path, offset: int) -> None:
    uploads = PartialUploads(tmp_path)
    upload = uploads.create(10, {})
    uploads.append(upload.id, 0, io.BytesIO(b"012"))

    with pytest.raises(OffsetMismatch) as raised:
        uploads.append(upload.id, offset, io.BytesIO(b"x"))

    assert raised.value.expected == 3
    assert uploads.get(upload.id).offset == 3


def test_more_than_announced_is_undone(tmp_path: Path) -> None:
    uploads = PartialUploads(tmp_path)
    upload = uploads.create(4, {})
    uploads.append(upload.id, 0, io.BytesIO(b"01"))

    with pytest.raises(TooLarge):
        uploads.append(upload.id, 2, io.BytesIO(b"234"))

    assert uploads.get(upload.id).offset == 2


@pytest.mark.parametrize("upload_id", ["", "../../etc/passwd", "A" * 32, "0" * 31])
def test_malformed_or_unknown_ids_are_not_found(tmp_path: Path, upload_id: str) -> None:
    uploads = PartialUploads(tmp_path)
    for call in (uploads.get, uploads.open, uploads.delete):
        with pytest.raises(UploadNotFound):
            call(upload_id)
    with pytest.raises(UploadNotFound):
        uploads.append(upload_id, 0, io.BytesIO(b"x"))


def test_two_writers_at_one_offset_cannot_both_win(tmp_path: Path) -> None:
    uploads = PartialUploads(tmp_path)
    upload = uploads.create(8, {})
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def write(piece: bytes) -> None:
        start.wait()
        try:
            uploads.append(upload.id, 0, io.BytesIO(piece))
            outcomes.append("written")
        except OffsetMismatch:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(p,)) for p in (b"aaaa", b"bbbb")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "written"]
    with uploads.open(upload.id) as stream:
        assert stream.read() in (b"aaaa", b"bbbb")


def test_purge_forgets_abandoned_uploads_only(tmp_path: Path) -> None:
    uploads = PartialUploads(tmp_path)
    old = uploads.create(10, {})
    fresh = uploads.create(10, {})
    day_ago = time.time() - 86400
    os.utime(tmp_path / f"{old.id}.part", (day_ago, day_ago))

    assert uploads.purge(older_than=3600) == 1

    with pytest.raises(UploadNotFound):
        uploads.get(old.id)
    assert uploads.get(fresh.id).offset == 0


def test_the_tick_deletes_abandoned_uploads_and_keeps_fresh_ones(app: Flask) -> None:
    uploads = PartialUploads(app.config["UPLOAD_DIR"])
    abandoned = uploads.create(10, {"filename": "old.zip"})
    fresh = uploads.create(10, {"filename": "new.zip"})
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in Path(app.config["UPLOAD_DIR"]).glob(f"{abandoned.id}*"):
        os.utime(path, (two_days_ago, two_days_ago))

    result = app.test_cli_runner().invoke(args=["tick"])

    assert result.exit_code == 0, result.output
    remaining = {path.stem.split(".")[0] for path in Path(app.config["UPLOAD_DIR"]).iterdir()}
    assert fresh.id in remaining
    assert abandoned.id not in remaining
