"""Raw HTTP against the filter under a real waitress.

Concurrency, crashes and the example config.
"""

import hashlib
import os
import pytest
import random
import requests
import subprocess
import sys
import threading
import time


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from tus_server import free_port  # noqa: E402
from tus_server import ServerProcess  # noqa: E402
from tus_server import SRC  # noqa: E402


pytestmark = pytest.mark.clients

MIB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def slow_server(tmp_path):
    """The filter behind a body reader slowed to 64 KiB per 10 ms: PATCHes overlap."""
    process = ServerProcess(str(tmp_path / "server"), throttle=0.01, threads=8).start()
    yield process
    process.stop()


def create(server, length):
    response = requests.post(
        server.endpoint, headers={**TUS, "Upload-Length": str(length)}, timeout=10
    )
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def head_offset(url):
    response = requests.head(url, headers=TUS, timeout=10)
    assert response.status_code == 200
    return int(response.headers["Upload-Offset"])


def patch(url, offset, body, **headers):
    return requests.patch(
        url,
        data=body,
        headers={**OCTETS, "Upload-Offset": str(offset), **headers},
        timeout=60,
    )


def test_concurrent_patches_to_one_upload_write_once(slow_server):
    payload = random.Random(1).randbytes(8 * MIB)
    url = create(slow_server, len(payload))
    chunk = payload[: 4 * MIB]
    start = threading.Barrier(6)
    statuses = []

    def send():
        start.wait()
        statuses.append(patch(url, 0, chunk).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(statuses).count(204) == 1, statuses
    assert all(status in (204, 409, 423) for status in statuses), statuses
    assert head_offset(url) == 4 * MIB
    with open(slow_server.data_path(url.rsplit("/", 1)[-1]), "rb") as data_file:
        assert data_file.read() == chunk  # written once, nothing appended twice

    response = patch(url, 4 * MIB, payload[4 * MIB :])
    assert response.status_code == 200  # handed on to the app
    assert response.json()["sha256"] == hashlib.sha256(payload).hexdigest()


def test_server_killed_mid_patch_then_upload_continues(slow_server):
    payload = random.Random(2).randbytes(6 * MIB)
    url = create(slow_server, len(payload))
    upload_id = url.rsplit("/", 1)[-1]
    assert patch(url, 0, payload[:MIB]).status_code == 204

    failures = []

    def send_rest():
        try:
            patch(url, MIB, payload[MIB:])
        except requests.RequestException as error:
            failures.append(error)

    sender = threading.Thread(target=send_rest)
    sender.start()
    data_path = slow_server.data_path(upload_id)
    deadline = time.monotonic() + 20
    while os.path.getsize(data_path) < 2 * MIB and time.monotonic() < deadline:
        time.sleep(0.005)
    assert os.path.getsize(data_path) >= 2 * MIB, "the PATCH never got going"
    slow_server.kill()  # SIGKILL while the body streams to disk
    sender.join(30)
    assert failures

    slow_server.start()
    offset = head_offset(url)
    assert MIB <= offset <= len(payload)
    with open(data_path, "rb") as data_file:
        assert (
            data_file.read(offset) == payload[:offset]
        )  # what HEAD reports is on disk

    response = patch(url, offset, payload[offset:])
    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(payload).hexdigest()
    assert slow_server.received(upload_id)["size"] == len(payload)


def test_example_config_serves_with_one_command(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [SRC, os.environ.get("PYTHONPATH")])
        ),
    }
    config = os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "docs", "examples", "tus-filter.ini"
    )
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "collective.tusupload.deploy.serve",
                config,
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                page = requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    log_path.read_text()
                )
                time.sleep(0.05)
        assert "collective.tusupload" in page.text
        options = requests.options(base + "/files", timeout=5)
        assert options.status_code == 204
        assert options.headers["Tus-Max-Size"] == "1073741824"
        url = requests.post(
            base + "/files", headers={**TUS, "Upload-Length": "5"}, timeout=5
        ).headers["Location"]
        assert url.startswith(base + "/files/")
        done = patch(url, 0, b"hello")
        assert done.status_code == 200
        assert done.json()["sha256"] == hashlib.sha256(b"hello").hexdigest()
    finally:
        server.terminate()
        server.wait(10)
