"""tuspy (tus-py-client) against the filter served by a real waitress.

Every upload sends a SHA-1 ``Upload-Checksum`` with each chunk
(``upload_checksum=True``); the stored bytes are compared by SHA-256 as the
app behind the filter saw them.
"""

from helpers.digests import sha256
from helpers.tus_server import ServerProcess

import os
import pytest
import requests


tusclient = pytest.importorskip("tusclient.client")
TusCommunicationError = pytest.importorskip(
    "tusclient.exceptions"
).TusCommunicationError

pytestmark = pytest.mark.clients

SIZE = 6 * 1024 * 1024
CHUNK = 256 * 1024


def new_uploader(server, source, url=None):
    client = tusclient.TusClient(server.endpoint)
    return client.uploader(
        source,
        chunk_size=CHUNK,
        upload_checksum=True,
        metadata={"filename": "source.bin"},
        url=url,
    )


def upload_id_of(uploader):
    return uploader.url.rstrip("/").rsplit("/", 1)[-1]


def test_tuspy_uploads_in_small_chunks_with_checksums(server, source):
    uploader = new_uploader(server, source)
    uploader.upload()
    summary = server.received(upload_id_of(uploader))
    assert summary["size"] == SIZE
    assert summary["sha256"] == sha256(source)
    assert summary["metadata"] == {"filename": "source.bin"}


def test_tuspy_resumes_after_client_abort(server, source):
    first = new_uploader(server, source)
    for _ in range(9):  # the client stops after 9 chunks
        first.upload_chunk()
    assert first.offset == 9 * CHUNK

    resumed = new_uploader(server, source, url=first.url)
    assert resumed.offset == 9 * CHUNK  # taken from the server's HEAD
    resumed.upload()

    summary = server.received(upload_id_of(first))
    assert summary["size"] == SIZE
    assert summary["sha256"] == sha256(source)


def test_tuspy_resumes_after_server_killed_and_restarted(server, source):
    first = new_uploader(server, source)
    for _ in range(7):
        first.upload_chunk()
    server.kill()  # SIGKILL between two chunks
    with pytest.raises((TusCommunicationError, requests.RequestException)):
        first.upload_chunk()
    server.start()

    resumed = new_uploader(server, source, url=first.url)
    assert resumed.offset == 7 * CHUNK
    resumed.upload()

    summary = server.received(upload_id_of(first))
    assert summary["sha256"] == sha256(source)


def test_tuspy_after_server_killed_mid_chunk_resumes_from_server_offset(
    tmp_path, source
):
    # A slow server keeps each chunk in flight long enough to kill it inside one.
    server = ServerProcess(str(tmp_path / "slow"), throttle=0.02).start()
    try:
        first = new_uploader(server, source)
        first.chunk_size = 1024 * 1024
        first.upload_chunk()
        assert first.offset == 1024 * 1024

        import threading
        import time

        failure = []
        thread = threading.Thread(
            target=lambda: _record_failure(first.upload_chunk, failure)
        )
        thread.start()
        data_path = server.data_path(upload_id_of(first))
        deadline = time.monotonic() + 10
        while (
            os.path.getsize(data_path) <= first.offset + 128 * 1024
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        server.kill()  # SIGKILL while the second chunk is being written
        thread.join(10)
        assert failure, "the chunk in flight should have failed"
        server.start()

        resumed = new_uploader(server, source, url=first.url)
        assert resumed.offset in (1024 * 1024, 2 * 1024 * 1024)
        with open(data_path, "rb") as data_file, open(source, "rb") as source_file:
            assert data_file.read(resumed.offset) == source_file.read(resumed.offset)
        resumed.upload()
        assert server.received(upload_id_of(first))["sha256"] == sha256(source)
    finally:
        server.stop()


def _record_failure(call, failure):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - any client error counts
        failure.append(error)
