"""A full disk answers 507 in words and leaves no files and no half chunks."""

from collective.tusupload.core import errors
from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core import regions
from collective.tusupload.core import UploadInfo
from collective.tusupload.core.info import new_upload_id
from helpers.small_disk import files_in
from helpers.small_disk import MIB
from helpers.small_disk import small_disk

import errno
import os
import pytest
import tempfile


CHUNK = 256 * 1024


@pytest.fixture
def disk(tmp_path):
    """A 1 MiB tmpfs holding the store's directory."""
    with small_disk(tmp_path / "disk") as directory:
        yield directory


@pytest.fixture
def full_store(disk):
    return FileStore(disk, fsync=False)


@pytest.fixture
def full_client(full_store, client_for, clock):
    return client_for(Handler(full_store, clock=clock))


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def quota_exceeded(*args, **kwargs):
    raise OSError(errno.EDQUOT, "Disk quota exceeded")


def deferred_upload(client) -> str:
    return client.create(headers={"Upload-Defer-Length": "1"})


class TestCreation:
    def test_upload_larger_than_the_free_space_is_refused_before_any_file(
        self, full_client, disk
    ):
        response = full_client.request("POST", headers={"Upload-Length": str(2 * MIB)})
        assert response.status == 507
        assert b"not enough disk space" in response.body
        assert b"2 MiB" in response.body
        assert files_in(disk) == []

    def test_creation_with_upload_too_large_leaves_nothing(self, full_client, disk):
        response = full_client.request(
            "POST",
            body=b"x" * (2 * MIB),
            headers={
                "Upload-Length": str(2 * MIB),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert response.status == 507
        assert "Location" not in response.headers
        assert files_in(disk) == []

    @pytest.mark.parametrize("fault", [no_space, quota_exceeded])
    def test_info_that_cannot_be_written_takes_the_data_file_with_it(
        self, full_store, disk, monkeypatch, fault
    ):
        monkeypatch.setattr(FileStore, "_replace_info", fault)
        with pytest.raises(errors.InsufficientStorage):
            full_store.create(UploadInfo(id=new_upload_id(), length=10))
        assert files_in(disk) == []

    def test_data_file_that_cannot_be_made_is_507(self, full_store, monkeypatch):
        monkeypatch.setattr(os, "open", no_space)
        with pytest.raises(errors.InsufficientStorage):
            full_store.create(UploadInfo(id=new_upload_id(), length=10))

    def test_other_errors_are_not_disguised(self, full_store, disk, monkeypatch):
        def broken(*args, **kwargs):
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(FileStore, "_replace_info", broken)
        with pytest.raises(OSError) as raised:
            full_store.create(UploadInfo(id=new_upload_id(), length=10))
        assert not isinstance(raised.value, errors.TusError)
        assert files_in(disk) == []


class TestChunks:
    def test_chunk_that_fills_the_disk_is_507_and_the_offset_stays(
        self, full_client, full_store
    ):
        upload_id = deferred_upload(full_client)
        assert full_client.patch(upload_id, 0, b"a" * CHUNK).status == 204
        response = full_client.patch(upload_id, CHUNK, b"b" * (2 * MIB))
        assert response.status == 507
        assert b"disk is full" in response.body
        assert full_client.head(upload_id).headers["Upload-Offset"] == str(CHUNK)
        # The partial chunk is gone, so the disk has room again.
        assert os.path.getsize(full_store.data_path(upload_id)) == CHUNK
        assert full_client.patch(upload_id, CHUNK, b"c" * CHUNK).status == 204

    @pytest.mark.parametrize(
        "refused",
        [(), ("_copy_file_range",), ("_copy_file_range", "_sendfile")],
        ids=["copy_file_range", "sendfile", "pread-pwrite"],
    )
    def test_spooled_chunk_that_fills_the_disk_is_507(
        self, full_client, full_store, tmp_path, monkeypatch, refused
    ):
        for name in refused:
            monkeypatch.setattr(regions, name, _unsupported)
        upload_id = deferred_upload(full_client)
        with tempfile.TemporaryFile(dir=tmp_path) as body:
            body.write(b"s" * (2 * MIB))
            body.seek(0)
            response = full_client.patch(upload_id, 0, body, content_length=2 * MIB)
        assert response.status == 507
        assert full_client.head(upload_id).headers["Upload-Offset"] == "0"
        assert os.path.getsize(full_store.data_path(upload_id)) == 0

    @pytest.mark.parametrize("fault", [no_space, quota_exceeded])
    def test_info_update_in_place_that_fails_is_507(
        self, full_store, monkeypatch, fault
    ):
        info = full_store.create(UploadInfo(id=new_upload_id(), length=10))
        info.offset = 0
        monkeypatch.setattr(os, "pwrite", fault)
        with pytest.raises(errors.InsufficientStorage):
            full_store.update_info(info)


class TestRegions:
    @pytest.mark.parametrize(
        "refused",
        [(), ("_copy_file_range",), ("_copy_file_range", "_sendfile")],
        ids=["copy_file_range", "sendfile", "pread-pwrite"],
    )
    def test_copy_region_raises_a_full_disk_as_oserror(
        self, disk, tmp_path, monkeypatch, refused
    ):
        for name in refused:
            monkeypatch.setattr(regions, name, _unsupported)
        with tempfile.TemporaryFile(dir=tmp_path) as source:
            source.write(b"r" * (2 * MIB))
            source.flush()
            target_path = os.path.join(disk, "target")
            with open(target_path, "w+b") as target, pytest.raises(OSError) as raised:
                regions.copy_region(source.fileno(), 0, target.fileno(), 0, 2 * MIB)
        assert raised.value.errno == errno.ENOSPC


def _unsupported(*args):
    raise OSError(errno.EXDEV, "refused for the test")
