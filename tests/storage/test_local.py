"""What only the folder backend does: files, permissions, links, the root's boundary."""

from __future__ import annotations

import io
import stat
import threading
from pathlib import Path

import pytest

from storage import LocalDocumentStore, ObjectExists, ObjectNotFound, StorageError
from tests.storage.backends import everything_stored
from tests.storage.streams import GeneratedStream

KEY = "documents/2026/11/0123456789abcdef0123456789abcdef"


def test_object_is_a_read_only_file_under_the_key(local_store: LocalDocumentStore) -> None:
    local_store.put(KEY, io.BytesIO(b"content"))

    path = local_store.root / KEY
    assert path.read_bytes() == b"content"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.stat().st_nlink == 1, "the temporary name is gone"
    assert everything_stored(local_store) == [KEY]


def test_nothing_is_created_before_the_first_put(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path / "not-yet")

    assert not store.exists(KEY)
    with pytest.raises(ObjectNotFound):
        store.stat(KEY)
    assert not (tmp_path / "not-yet").exists()


def test_simultaneous_writers_of_one_key_cannot_both_win(local_store: LocalDocumentStore) -> None:
    writers = 8
    start = threading.Barrier(writers)
    outcomes: dict[int, str] = {}

    def write(number: int) -> None:
        start.wait()
        try:
            local_store.put(KEY, io.BytesIO(b"writer %d" % number))
            outcomes[number] = "stored"
        except ObjectExists:
            outcomes[number] = "refused"

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [number for number, outcome in outcomes.items() if outcome == "stored"]
    assert len(outcomes) == writers
    assert len(winners) == 1
    assert (local_store.root / KEY).read_bytes() == b"writer %d" % winners[0]
    assert everything_stored(local_store) == [KEY]


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = LocalDocumentStore(tmp_path / "root")
    store.root.mkdir()
    (store.root / "documents").symlink_to(outside)

    with pytest.raises(ValueError, match="out of the store's root"):
        store.put("documents/a", io.BytesIO(b"content"))
    with pytest.raises(ValueError, match="out of the store's root"):
        store.open("documents/a")
    assert list(outside.iterdir()) == []


def test_key_below_an_object_is_refused(local_store: LocalDocumentStore) -> None:
    local_store.put("documents/a", io.BytesIO(b"content"))

    with pytest.raises(StorageError, match="leading part"):
        local_store.put("documents/a/b", GeneratedStream(10))

    assert everything_stored(local_store) == ["documents/a"]
