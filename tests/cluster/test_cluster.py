"""Uploads through ``make cluster``: chunks to either instance, real clients
through HAProxy, the same upload on both instances at once, an instance
killed mid-upload. The last test kills instance A: it stays last."""

from base64 import b64encode
from conftest import AUTH
from helpers.cluster_tus import ClusterClient
from helpers.digests import sha256
from helpers.tus_js import last
from helpers.tus_js import needs_node
from helpers.tus_js import run_js

import concurrent.futures
import contextlib
import os
import pytest
import random
import requests
import signal
import threading
import time


MIB = 1 << 20
BASIC = "Basic " + b64encode(":".join(AUTH).encode()).decode()

tusclient = pytest.importorskip("tusclient.client")


@pytest.fixture
def client():
    return ClusterClient(AUTH)


def payload_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def test_chunks_alternate_between_the_instances(cluster, client):
    """64 MiB in 4 MiB chunks, each straight to the other instance."""
    payload = payload_of(64 * MIB, 1)
    path = client.create(cluster.url("a"), len(payload), "alternating.bin")
    for number, offset in enumerate(range(0, len(payload), 4 * MIB)):
        instance = cluster.url("ab"[number % 2])
        chunk = payload[offset : offset + 4 * MIB]
        response = client.patch(instance, path, offset, chunk)
        assert response.status_code == 204, response.text
        assert client.offset(cluster.url("ba"[number % 2]), path) == offset + 4 * MIB
    assert response.headers["Location"].endswith("/Plone/alternating.bin")
    downloaded = client.download(cluster.url() + "/alternating.bin")
    assert sha256(downloaded) == sha256(payload)


def tuspy_upload(endpoint: str, path: str, name: str, chunk: int) -> None:
    uploader = tusclient.TusClient(endpoint, headers={"Authorization": BASIC}).uploader(
        path, chunk_size=chunk, metadata={"filename": name}
    )
    uploader.upload()


def test_tuspy_through_the_balancer(cluster, client, tmp_path):
    source = tmp_path / "tuspy.bin"
    source.write_bytes(payload_of(24 * MIB + 5, 2))
    tuspy_upload(f"{cluster.url()}/@tus-upload", str(source), "tuspy.bin", 4 * MIB)
    downloaded = client.download(cluster.url() + "/tuspy.bin")
    assert sha256(downloaded) == sha256(source.read_bytes())


def test_eight_parallel_tuspy_uploads_through_the_balancer(cluster, client, tmp_path):
    sources = []
    for number in range(8):
        source = tmp_path / f"parallel-{number}.bin"
        source.write_bytes(payload_of(4 * MIB + number, 10 + number))
        sources.append(source)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [
            pool.submit(
                tuspy_upload,
                f"{cluster.url()}/@tus-upload",
                str(source),
                source.name,
                MIB,
            )
            for source in sources
        ]
        for future in futures:
            future.result(timeout=300)
    for source in sources:
        downloaded = client.download(f"{cluster.url()}/{source.name}")
        assert sha256(downloaded) == sha256(source.read_bytes()), source.name
    # Finished on both instances into one folder: none lost, none twice.
    found = client.session.get(
        f"{cluster.url()}/@search",
        params={"portal_type": "File", "path.depth": 1, "b_size": 1000},
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()["items"]
    names = sorted(
        item["@id"].rsplit("/", 1)[1]
        for item in found
        if item["@id"].rsplit("/", 1)[1].startswith("parallel-")
    )
    assert names == sorted(source.name for source in sources)


@needs_node
def test_tus_js_client_through_the_balancer(cluster, client, tmp_path):
    source = tmp_path / "js.bin"
    source.write_bytes(payload_of(12 * MIB + 3, 3))
    events = run_js(
        {
            "endpoint": f"{cluster.url()}/@tus-upload",
            "file": str(source),
            "chunkSize": 2 * MIB,
            "metadata": {"filename": "js.bin"},
            "headers": {"Authorization": BASIC},
        },
        timeout=180,
        check=True,
    )
    assert last(events, "success")["location"].endswith("/Plone/js.bin")
    assert sha256(client.download(cluster.url() + "/js.bin")) == sha256(
        source.read_bytes()
    )


def slow_body(data: bytes, block: int, pause: float):
    for start in range(0, len(data), block):
        yield data[start : start + block]
        time.sleep(pause)


def test_the_same_upload_on_both_instances_at_once_never_appends_twice(cluster, client):
    payload = payload_of(8 * MIB, 4)
    path = client.create(cluster.url("a"), len(payload), "contested.bin")
    for offset in (0, 4 * MIB):
        chunk = payload[offset : offset + 4 * MIB]
        start = threading.Barrier(2)

        def send(instance, chunk=chunk, offset=offset, start=start):
            start.wait(10)
            return client.patch(
                cluster.url(instance), path, offset, slow_body(chunk, MIB // 2, 0.05)
            )

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(send, "ab"))
        statuses = sorted(response.status_code for response in responses)
        assert statuses[0] == 204, [response.text for response in responses]
        assert statuses[1] in (204, 409, 423), [r.text for r in responses]
        if statuses[1] == 204:
            # The second came after the first had finished its chunk (the
            # upload's end: a replay of the finished upload's last chunk).
            assert offset == 4 * MIB
        assert client.offset(cluster.url("b"), path) == offset + len(chunk)
    assert sha256(client.download(cluster.url() + "/contested.bin")) == sha256(payload)


def test_slow_bodies_hold_no_zope_thread_on_the_zodb_store(cluster, client):
    """The front server's own threads append through the ZODB store.

    Six bodies trickle in at once, more than instance A's four Zope threads:
    were they read in Zope's threads, the page below would wait for them.
    """
    paths = [client.create(cluster.url("a"), MIB, f"slow-{n}.bin") for n in range(6)]
    payload = payload_of(MIB, 6)

    def send(path):
        return client.patch(
            cluster.url("a"), path, 0, slow_body(payload, MIB // 16, 0.5)
        )

    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        futures = [pool.submit(send, path) for path in paths]
        time.sleep(1.5)
        started = time.monotonic()
        page = client.session.get(cluster.url("a"), timeout=30)
        waited = time.monotonic() - started
        responses = [future.result(timeout=60) for future in futures]
    assert page.status_code == 200
    assert waited < 3, f"the page waited {waited:.1f} s for the uploads"
    assert all(response.status_code == 204 for response in responses)
    for number in range(6):
        downloaded = client.download(f"{cluster.url()}/slow-{number}.bin")
        assert downloaded == payload


def test_an_instance_killed_mid_upload_and_the_other_continues(cluster, client):
    """SIGKILL instance A while it receives a chunk; finish through B."""
    payload = payload_of(32 * MIB, 5)
    path = client.create(cluster.url("a"), len(payload), "survivor.bin")
    sent = threading.Event()

    def trickle():
        for start in range(0, 24 * MIB, MIB):
            yield payload[start : start + MIB]
            time.sleep(0.25)
            if start >= 12 * MIB:
                sent.set()

    def send():
        # The instance dies under it: the connection breaks.
        with contextlib.suppress(requests.RequestException):
            client.patch(cluster.url("a"), path, 0, trickle(), timeout=60)

    sender = threading.Thread(target=send)
    sender.start()
    assert sent.wait(60)
    os.kill(cluster.instance_pid("a"), signal.SIGKILL)
    sender.join(60)
    offset = client.offset(cluster.url("b"), path)
    # What was committed at the checkpoints (every 2 s) survived.
    assert 0 < offset <= 13 * MIB
    deadline = time.monotonic() + 60
    while True:
        # A's lock on the upload runs out within its lease (20 s).
        response = client.patch(cluster.url("b"), path, offset, payload[offset:])
        if response.status_code != 423 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response.status_code == 204, response.text
    assert sha256(client.download(cluster.url("b") + "/survivor.bin")) == sha256(
        payload
    )
    # The balancer sends everything to B now.
    assert client.offset(cluster.url(), path) == len(payload)
