"""The filter under a real waitress: its replies and its hand-off contract.

tus 1.0 checks of a completing PATCH (204 with ``Upload-Offset``, also when
the PATCH of a partial upload completes a final one), and the contract with
the app behind the filter: each finished upload is handed on **at least
once**, always under the same upload id, which is the app's key to tell a
repeat. A repeat happens when the process dies after the app answered and
before the upload was recorded finished (the fault point
``filter-after-app``, a SIGKILL as a crash would be).
"""

from helpers.digests import sha256
from helpers.tus_server import ServerProcess

import contextlib
import os
import pytest
import requests


pytestmark = pytest.mark.clients

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


def create(server, length, **headers):
    response = requests.post(
        server.endpoint,
        headers={**TUS, "Upload-Length": str(length), **headers},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def patch(url, offset, body):
    return requests.patch(
        url,
        data=body,
        headers={**OCTETS, "Upload-Offset": str(offset)},
        timeout=30,
    )


def upload_id_of(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_a_completing_patch_is_204_with_the_offset(server):
    body = os.urandom(5000)
    url = create(server, len(body))
    assert patch(url, 0, body[:2000]).status_code == 204
    done = patch(url, 2000, body[2000:])
    assert done.status_code == 204
    assert done.headers["Upload-Offset"] == str(len(body))
    assert done.content == b""
    assert server.received(upload_id_of(url))["sha256"] == sha256(body)


def test_a_partial_completing_a_final_upload_is_204_with_its_offset(server):
    first = create(server, 3, **{"Upload-Concat": "partial"})
    second = create(server, 4, **{"Upload-Concat": "partial"})
    assert patch(first, 0, b"abc").status_code == 204
    final = requests.post(
        server.endpoint,
        headers={**TUS, "Upload-Concat": f"final;{first} {second}"},
        timeout=10,
    )
    assert final.status_code == 201
    done = patch(second, 0, b"defg")
    assert done.status_code == 204
    assert done.headers["Upload-Offset"] == "4"
    assert done.content == b""
    final_id = upload_id_of(final.headers["Location"])
    assert server.received(final_id)["sha256"] == sha256(b"abcdefg")
    assert server.app_calls(final_id) == 1


def test_an_upload_is_handed_on_at_least_once_under_the_same_id(tmp_path):
    server = ServerProcess(
        str(tmp_path / "server"), environment={"TUSUPLOAD_FAULT": "filter-after-app"}
    ).start()
    try:
        body = os.urandom(3000)
        url = create(server, len(body))
        upload_id = upload_id_of(url)
        assert patch(url, 0, body[:1000]).status_code == 204
        # The app takes it, then the server dies; the client may have its
        # reply, or never learn the outcome.
        with contextlib.suppress(requests.ConnectionError):
            patch(url, 1000, body[1000:])
        server.process.wait(timeout=10)
        assert server.app_calls(upload_id) == 1
        assert server.received(upload_id)["sha256"] == sha256(body)

        server.environment = {}
        server.start()
        # Not recorded finished: the offset is where the last chunk began.
        head = requests.head(url, headers=TUS, timeout=10)
        assert head.headers["Upload-Offset"] == "1000"
        again = patch(url, 1000, body[1000:])
        assert again.status_code == 204
        # Handed on a second time, under the same id: the app's key.
        assert server.app_calls(upload_id) == 2
        assert server.received(upload_id)["sha256"] == sha256(body)
        head = requests.head(url, headers=TUS, timeout=10)
        assert head.headers["Upload-Offset"] == str(len(body))
        # Recorded now: a replay of the last chunk is not handed on again.
        assert patch(url, 1000, body[1000:]).status_code == 204
        assert server.app_calls(upload_id) == 2
    finally:
        server.stop()
