"""Two final PATCHes at the same moment: the filter's app gets the file once.

A client whose reply is slow retries its last chunk while the first request
is still handing the file on; both must not reach the app.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import threading


pytestmark = pytest.mark.clients

SIZE = 48 * 1024 * 1024 + 3
FIRST = 1024 * 1024
ROUNDS = 10
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}


def final_patches_at_once(url: str, payload: bytes) -> list[int]:
    """Send the last chunk twice at the same moment; the two statuses."""
    together = threading.Barrier(2)

    def final(_):
        together.wait(timeout=30)
        return requests.patch(
            url,
            data=payload[FIRST:],
            # The app's reply (200) tells which of the two handed the file on.
            headers={
                **TUS,
                **OCTETS,
                "Upload-Offset": str(FIRST),
                "Prefer": "return=representation",
            },
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(2) as pool:
        return sorted(pool.map(final, range(2)))


def test_simultaneous_final_patches_hand_the_file_on_once(server):
    payload = bytes(range(256)) * (SIZE // 256) + b"end"
    assert len(payload) == SIZE
    for _ in range(ROUNDS):
        created = requests.post(
            server.endpoint, headers={**TUS, "Upload-Length": str(SIZE)}, timeout=30
        )
        assert created.status_code == 201
        url = created.headers["Location"]
        first = requests.patch(
            url,
            data=payload[:FIRST],
            headers={**TUS, **OCTETS, "Upload-Offset": "0"},
            timeout=30,
        )
        assert first.status_code == 204
        statuses = final_patches_at_once(url, payload)
        upload_id = url.rsplit("/", 1)[1]
        # One reached the app (its 200); the other waited and got the
        # finished upload's 204, or was told the upload is busy (423).
        assert statuses[0] in (200, 204, 423) and 200 in statuses, statuses
        assert server.app_calls(upload_id) == 1
        head = requests.head(url, headers=TUS, timeout=30)
        assert head.headers["Upload-Offset"] == str(SIZE)
        retry = requests.patch(
            url,
            data=payload[FIRST:],
            # The app's reply (200) tells which of the two handed the file on.
            headers={
                **TUS,
                **OCTETS,
                "Upload-Offset": str(FIRST),
                "Prefer": "return=representation",
            },
            timeout=60,
        )
        assert retry.status_code == 204
        assert server.app_calls(upload_id) == 1
