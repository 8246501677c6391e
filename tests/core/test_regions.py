"""Bodies spooled to a file are copied in the kernel, with fallbacks."""

from collective.tusupload.adapters.common import BoundedReader
from collective.tusupload.core import FileStore
from collective.tusupload.core import regions
from collective.tusupload.core import Store
from collective.tusupload.core.regions import body_region
from collective.tusupload.core.regions import copy_region

import base64
import errno
import hashlib
import io
import os
import pytest
import tempfile


PAYLOAD = bytes(range(256)) * 8192  # 2 MiB, no two blocks alike at 1 MiB


def spooled(data: bytes, *, position: int = 0):
    """A body as waitress hands it over: a temporary file, rewound."""
    body = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - the caller closes it
    body.write(data)
    body.seek(position)
    return body


def data_of(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


@pytest.fixture
def source():
    with spooled(b"0123456789" * 1000) as body:
        yield body


def refuse(name):
    def copier(*args):
        raise OSError(errno.EXDEV, f"{name} refused")

    return copier


@pytest.mark.parametrize(
    "refused",
    [(), ("_copy_file_range",), ("_copy_file_range", "_sendfile")],
    ids=["copy_file_range", "sendfile", "pread-pwrite"],
)
def test_copy_region_copies_at_offsets_whichever_call_works(
    tmp_path, source, monkeypatch, refused
):
    for name in refused:
        monkeypatch.setattr(regions, name, refuse(name))
    source.seek(7)
    target = tmp_path / "target"
    target.write_bytes(b"xyz")
    with open(target, "r+b") as target_file:
        copied = copy_region(source.fileno(), 100, target_file.fileno(), 3, 5000)
    assert copied == 5000
    assert target.read_bytes() == b"xyz" + (b"0123456789" * 1000)[100:5100]
    assert source.tell() == 7  # the source's position is left alone


def test_copy_region_stops_where_the_source_ends(tmp_path, source):
    with open(tmp_path / "target", "w+b") as target_file:
        copied = copy_region(source.fileno(), 9000, target_file.fileno(), 0, 5000)
    assert copied == 1000


def test_copy_region_raises_other_errors(tmp_path, source, monkeypatch):
    def broken(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(regions, "_copy_file_range", broken)
    with open(tmp_path / "target", "w+b") as target_file, pytest.raises(OSError):
        copy_region(source.fileno(), 0, target_file.fileno(), 0, 10)


def test_body_region_of_a_spooled_file_and_consume(source):
    source.seek(10)
    region = body_region(source, 500)
    assert (region.fd, region.offset, region.count) == (source.fileno(), 10, 500)
    region.consume(500)
    assert source.read(4) == b"0123"  # positioned after the copied bytes


def test_body_region_is_none_unless_all_bytes_are_in_a_file(source):
    assert body_region(io.BytesIO(b"abc"), 3) is None
    assert body_region(None, 3) is None
    assert body_region(source, 0) is None
    source.seek(9999)
    assert body_region(source, 2) is None  # one byte left
    read_end, write_end = os.pipe()
    try:
        with os.fdopen(read_end, "rb") as pipe:
            assert body_region(pipe, 1) is None
    finally:
        os.close(write_end)


def test_bounded_reader_offers_only_its_own_bytes(source):
    reader = BoundedReader(source, 300)
    assert reader.file_region(301) is None
    region = reader.file_region(300)
    region.consume(300)
    assert reader.read() == b""  # its 300 bytes count as read
    unbounded = BoundedReader(spooled(b"abcdef", position=2), None)
    region = unbounded.file_region(4)
    assert region.offset == 2
    region.consume(4)
    assert unbounded.read() == b""


def test_patch_with_a_spooled_body_is_copied_in_the_kernel(client, store, monkeypatch):
    def no_python_copy(*args, **kwargs):
        raise AssertionError("the body went through Python")

    monkeypatch.setattr(FileStore, "append", no_python_copy)
    upload_id = client.create(len(PAYLOAD) + 3)
    with spooled(PAYLOAD + b"end") as body:
        response = client.patch(
            upload_id, 0, BoundedReader(body, len(PAYLOAD)), content_length=len(PAYLOAD)
        )
        assert response.status == 204
        assert response.headers["Upload-Offset"] == str(len(PAYLOAD))
        assert body.read() == b"end"
    with spooled(b"end") as body:
        response = client.patch(upload_id, len(PAYLOAD), body, content_length=3)
    assert response.headers["Upload-Offset"] == str(len(PAYLOAD) + 3)
    assert data_of(store, upload_id) == PAYLOAD + b"end"


def test_patch_with_checksum_reads_the_body_and_verifies(client, store, monkeypatch):
    def no_kernel_copy(*args, **kwargs):
        raise AssertionError("a checksummed body must be hashed")

    monkeypatch.setattr(FileStore, "append_region", no_kernel_copy)
    upload_id = client.create(len(PAYLOAD))
    good = hashlib.sha256(PAYLOAD).digest()
    bad = hashlib.sha256(b"other").digest()
    for digest, status, offset in ((bad, 460, 0), (good, 204, len(PAYLOAD))):
        with spooled(PAYLOAD) as body:
            response = client.patch(
                upload_id,
                0,
                body,
                content_length=len(PAYLOAD),
                headers={"Upload-Checksum": "sha256 " + _b64(digest)},
            )
        assert response.status == status
        assert store.get_info(upload_id).offset == offset
    assert data_of(store, upload_id) == PAYLOAD


def test_patch_with_a_short_spooled_body_falls_back_to_reading(client, store):
    # A file holding fewer bytes than Content-Length: the client went away.
    upload_id = client.create(10)
    with spooled(b"abcd") as body:
        response = client.patch(upload_id, 0, body, content_length=6)
    assert response.status == 204
    assert store.get_info(upload_id).offset == 4


def test_append_region_cuts_a_crash_surplus_first(store, client):
    upload_id = client.create(10)
    with open(store.data_path(upload_id), "ab") as data_file:
        data_file.write(b"junk")  # written, but the info never advanced
    with spooled(b"abcdef") as body:
        assert store.append_region(upload_id, 0, body.fileno(), 1, 5) == 5
    assert data_of(store, upload_id) == b"bcdef"


def test_default_append_region_feeds_append(store, client):
    upload_id = client.create(10)
    with spooled(PAYLOAD) as body:
        written = Store.append_region(store, upload_id, 0, body.fileno(), 5, 1 << 20)
    assert written == 1 << 20
    assert data_of(store, upload_id) == PAYLOAD[5 : 5 + (1 << 20)]


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
