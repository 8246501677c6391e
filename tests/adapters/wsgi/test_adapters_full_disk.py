"""A full disk through a real waitress: 507 in words, nothing left behind.

The WSGI filter runs in a child process (``tests/helpers/tus_server.py``)
with its upload directory on a 1 MiB tmpfs.
"""

from helpers.small_disk import files_in
from helpers.small_disk import MIB
from helpers.small_disk import small_disk
from helpers.tus_server import ServerProcess

import os
import pytest
import requests


TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
CHUNK = 256 * 1024


@pytest.fixture
def full_disk_server(tmp_path):
    """The filter with its upload directory on a 1 MiB tmpfs."""
    server = ServerProcess(str(tmp_path / "server"))
    with small_disk(server.upload_dir):
        server.start()
        try:
            yield server
        finally:
            server.stop()


class TestFullDisk:
    def test_chunk_that_fills_the_disk_is_507_and_keeps_the_offset(
        self, full_disk_server
    ):
        created = requests.post(
            full_disk_server.endpoint,
            headers={**TUS, "Upload-Defer-Length": "1"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        url = created.headers["Location"]
        first = requests.patch(
            url, data=b"a" * CHUNK, headers={**OCTETS, "Upload-Offset": "0"}, timeout=30
        )
        assert first.status_code == 204, first.text

        refused = requests.patch(
            url,
            data=b"b" * (2 * MIB),
            headers={**OCTETS, "Upload-Offset": str(CHUNK)},
            timeout=30,
        )
        assert refused.status_code == 507
        assert "disk is full" in refused.text

        head = requests.head(url, headers=TUS, timeout=30)
        assert head.headers["Upload-Offset"] == str(CHUNK)
        upload_id = url.rsplit("/", 1)[1]
        assert os.path.getsize(full_disk_server.data_path(upload_id)) == CHUNK
        assert "Traceback" not in full_disk_server.log()

    def test_creation_with_upload_too_large_leaves_nothing_behind(
        self, full_disk_server
    ):
        response = requests.post(
            full_disk_server.endpoint,
            data=b"c" * (2 * MIB),
            headers={**OCTETS, "Upload-Length": str(2 * MIB)},
            timeout=30,
        )
        assert response.status_code == 507
        assert "not enough disk space" in response.text
        assert "Location" not in response.headers
        assert files_in(full_disk_server.upload_dir) == []
