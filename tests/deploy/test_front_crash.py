"""A server killed during a long PATCH keeps what it had stored (issue 19).

``make run``'s site (the front server) gets a 512 MiB upload in ONE PATCH,
sent at 64 MiB/s; 3 s into it the server is killed with SIGKILL. Started
again, HEAD reports an offset at most one checkpoint interval (64 MiB or
2 s) behind what was sent, and the upload resumes from there to a file
whose sha256 is the source's: every byte HEAD counted was really stored.
"""

from base64 import b64encode

import hashlib
import os
import pytest
import requests
import signal
import socket
import threading
import time


pytestmark = pytest.mark.slow

MIB = 1 << 20
SIZE = 512 * MIB
RATE = 64 * MIB
TUS = {"Tus-Resumable": "1.0.0"}
#: What a kill may lose: one checkpoint interval, plus what the kernel's
#: socket buffers held on both sides.
INTERVAL = 64 * MIB
BUFFERS = 16 * MIB


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash-source") / "big.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(SIZE // MIB):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    return path, digest.hexdigest()


def send_paced(port: int, head: bytes, path, stop: threading.Event, sent: list):
    with (
        socket.create_connection(("127.0.0.1", port)) as sock,
        open(path, "rb") as data,
    ):
        sock.sendall(head)
        started = time.monotonic()
        while not stop.is_set():
            block = data.read(MIB)
            if not block:
                return
            try:
                sock.sendall(block)
            except OSError:
                return
            sent[0] += len(block)
            ahead = sent[0] / RATE - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)


def test_a_kill_mid_body_keeps_all_but_one_interval(run_sites, tmp_path, source):
    path, digest = source
    site = run_sites(tmp_path)
    site.start()
    created = requests.post(
        f"{site.url}/@tus-upload",
        auth=site.auth,
        headers={
            **TUS,
            "Upload-Length": str(SIZE),
            "Upload-Metadata": "filename " + b64encode(b"crash.bin").decode(),
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    token = b64encode(f"{site.auth[0]}:{site.auth[1]}".encode()).decode()
    head = (
        f"PATCH /{url.split('/', 3)[3]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {token}\r\nTus-Resumable: 1.0.0\r\n"
        "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {SIZE}\r\n\r\n"
    ).encode()
    stop, sent = threading.Event(), [0]
    sender = threading.Thread(
        target=send_paced, args=(site.port, head, path, stop, sent)
    )
    sender.start()
    time.sleep(3)
    site.process.send_signal(signal.SIGKILL)
    site.process.wait(30)
    stop.set()
    sender.join(30)
    assert sent[0] > 128 * MIB, "the client did not get going"

    site.start(keep_port=True)
    reply = requests.head(url, auth=site.auth, headers=TUS, timeout=60)
    assert reply.status_code == 200
    kept = int(reply.headers["Upload-Offset"])
    print(f"sent {sent[0] / MIB:.0f} MiB, kept {kept / MIB:.0f} MiB")
    assert sent[0] - INTERVAL - BUFFERS <= kept <= sent[0]

    with open(path, "rb") as data:
        data.seek(kept)
        resumed = requests.patch(
            url,
            data=data,
            auth=site.auth,
            headers={
                **TUS,
                "Upload-Offset": str(kept),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(SIZE - kept),
            },
            timeout=600,
        )
    assert resumed.status_code == 204, resumed.text
    download = requests.get(
        resumed.headers["Location"] + "/@@download/file",
        auth=site.auth,
        stream=True,
        timeout=600,
    )
    stored = hashlib.sha256()
    for block in download.iter_content(MIB):
        stored.update(block)
    assert stored.hexdigest() == digest
    site.stop()
