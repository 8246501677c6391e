"""The checks before bytes, one by one (no Plone needed)."""

from collective.tusupload import preflight
from collective.tusupload.core import FileStore
from collective.tusupload.core import UploadInfo
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.core.info import State
from collective.tusupload.settings import UploadSettings
from helpers.small_disk import small_disk
from ZODB.DemoStorage import DemoStorage
from ZODB.interfaces import IBlobStorage
from zope.interface import implementer

import logging
import pytest
import threading


NOW = 1_700_000_000.0
KIB = 1024


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "uploads", fsync=False)


def add(store, principal="alice", *, length=KIB, offset=0, **values):
    values.setdefault("expires", NOW + 3600)
    info = UploadInfo(
        id=new_upload_id(), length=length, offset=offset, principal=principal, **values
    )
    store.create(info)
    return info


def settings(**values):
    return UploadSettings(None, 60, "/unused", (), KIB, 0, **values)


class PlainStorage:
    """A storage without blobs (as a FileStorage without blob-dir)."""


@implementer(IBlobStorage)
class BlobStorage:
    def __init__(self, blob_directory):
        self.blob_directory = str(blob_directory)

    def temporaryDirectory(self):
        return self.blob_directory


class Connection:
    def __init__(self, storage):
        self.storage = storage

    def db(self):
        return self


class Content:
    def __init__(self, storage):
        self._p_jar = Connection(storage)


class TestPendingUsage:
    def test_counts_only_the_users_unfinished_unexpired_uploads(self, store):
        add(store, length=3 * KIB)
        add(store, length=None, offset=0)
        add(store, "bob", length=100 * KIB)
        add(store, state=State.FINISHED)
        add(store, expires=NOW - 1)
        usage = preflight.pending_usage(store, "alice", now=NOW)
        assert (usage.uploads, usage.size) == (2, 3 * KIB)
        assert usage.first_expiry == NOW + 3600

    def test_deferred_uploads_count_the_bytes_they_hold(self, store):
        upload = add(store, length=None)
        store.append(upload.id, 0, [b"x" * 500])
        upload.offset = 500
        store.update_info(upload)
        assert preflight.pending_usage(store, "alice", now=NOW).size == 500


class TestPendingLimits:
    def check(self, store, length=KIB, **limits):
        limits.setdefault("max_size", None)
        limits.setdefault("max_uploads", None)
        preflight.check_pending_limits(
            store, principal="alice", length=length, now=NOW, **limits
        )

    def test_no_limits_reads_nothing(self, store, monkeypatch):
        monkeypatch.setattr(store, "list_ids", None)  # would fail if called
        self.check(store)

    def test_number_at_the_limit_is_413(self, store):
        add(store)
        add(store)
        self.check(store, max_uploads=3)
        with pytest.raises(HookRefused) as refused:
            self.check(store, max_uploads=2)
        assert refused.value.status == 413
        assert refused.value.message.startswith(
            "you have 2 unfinished uploads with 2 KiB, and 2 is the most"
        )
        assert "2023-11-14 23:13 UTC" in refused.value.message

    def test_size_over_the_limit_is_413(self, store):
        add(store, length=600 * KIB)
        self.check(store, length=400 * KIB, max_size=1000 * KIB)
        with pytest.raises(HookRefused) as refused:
            self.check(store, length=401 * KIB, max_size=1000 * KIB)
        assert refused.value.status == 413
        assert "you have 1 unfinished upload with 600 KiB" in refused.value.message
        assert "with this one (401 KiB)" in refused.value.message

    def test_first_upload_larger_than_the_limit(self, store):
        with pytest.raises(HookRefused) as refused:
            self.check(store, length=2 * KIB, max_size=KIB)
        assert refused.value.message == (
            "this upload (2 KiB) is larger than the 1 KiB one user may have "
            "in unfinished uploads"
        )

    def test_deferred_new_upload_counts_nothing_yet(self, store):
        add(store, length=KIB)
        self.check(store, length=None, max_size=KIB)


class TestBeforeCreate:
    def test_storage_without_blobs_is_503(self, store):
        with pytest.raises(HookRefused) as refused:
            preflight.check_before_create(
                store=store,
                context=Content(PlainStorage()),
                info=UploadInfo(id=new_upload_id(), principal="alice"),
                settings=settings(),
            )
        assert refused.value.status == 503
        assert "no blob storage" in refused.value.message

    def test_blob_storage_passes(self, store, tmp_path):
        preflight.check_before_create(
            store=store,
            context=Content(BlobStorage(tmp_path)),
            info=UploadInfo(id=new_upload_id(), principal="alice"),
            settings=settings(),
        )

    def test_final_upload_is_not_counted_against_the_limits(self, store, tmp_path):
        add(store)
        info = UploadInfo(id=new_upload_id(), principal="alice", length=KIB)
        info.is_final = True
        preflight.check_before_create(
            store=store,
            context=Content(BlobStorage(tmp_path)),
            info=info,
            settings=settings(max_pending_uploads=1),
            now=NOW,
        )

    def test_unusable_directory_is_503(self, tmp_path):
        store = FileStore(tmp_path / "uploads", fsync=False)
        (tmp_path / "uploads").rmdir()
        (tmp_path / "uploads").write_text("now a file")
        with pytest.raises(HookRefused) as refused:
            preflight.check_before_create(
                store=store,
                context=object(),
                info=UploadInfo(id=new_upload_id(), principal="alice"),
                settings=settings(),
            )
        assert refused.value.status == 503
        assert "it is a file, not a directory" in refused.value.message
        assert "Site Setup > Resumable uploads" in refused.value.message


class TestCopyWarning:
    def test_other_filesystem_is_logged_once(self, store, tmp_path, caplog):
        with small_disk(tmp_path / "blobs") as blob_directory:
            storage = BlobStorage(blob_directory)
            with caplog.at_level(logging.WARNING, logger="collective.tusupload"):
                preflight.warn_if_finish_copies(store.directory, storage)
                preflight.warn_if_finish_copies(store.directory, storage)
        warnings = [r for r in caplog.records if "different filesystems" in r.message]
        assert len(warnings) == 1
        assert store.directory in warnings[0].getMessage()

    def test_same_filesystem_is_quiet(self, store, tmp_path, caplog):
        storage = BlobStorage(tmp_path)
        with caplog.at_level(logging.WARNING, logger="collective.tusupload"):
            preflight.warn_if_finish_copies(store.directory, storage)
        assert not caplog.records

    def test_creations_at_once_on_a_demo_storage(self, store):
        """A DemoStorage turns itself into a blob storage on first use, with
        no lock of its own: creations asking at once must not wrap it twice
        (an AssertionError, a 500; about every second round without the
        lock)."""
        for _round in range(20):
            storage = DemoStorage()
            start_together = threading.Barrier(8)
            errors = []

            def create(storage, start_together, errors) -> None:
                start_together.wait(timeout=10)
                try:
                    preflight.warn_if_finish_copies(store.directory, storage)
                except Exception as error:  # noqa: BLE001 - collected, asserted
                    errors.append(error)

            threads = [
                threading.Thread(target=create, args=(storage, start_together, errors))
                for _ in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
            assert errors == []
            assert IBlobStorage.providedBy(storage.changes)
