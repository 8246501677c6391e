"""Zope killed (SIGKILL) while finishing: exactly one item, never a lost place.

A real ``make run`` site is started with a fault point switched on
(:mod:`collective.tusupload.faults`), which kills the server at the worst
moment of the final PATCH; then it is started again, without, and the
client goes on the way it normally resumes.
"""

from base64 import b64encode
from helpers.digests import sha256
from helpers.tus_js import needs_node
from helpers.tus_js import run_js

import pytest
import random
import requests
import signal
import time


pytestmark = pytest.mark.slow

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
SIZE = 3 * 1024 * 1024 + 5
CHUNK = 1024 * 1024

tusclient = pytest.importorskip("tusclient.client")


@pytest.fixture(scope="module")
def crash_site(run_sites, tmp_path_factory):
    """A ``make run`` site that dies at the fault point named in ``arm``."""
    site = run_sites(tmp_path_factory.mktemp("crash"))

    def arm(fault: str | None):
        site.stop()
        if fault:
            site.env["TUSUPLOAD_FAULT"] = fault
        else:
            site.env.pop("TUSUPLOAD_FAULT", None)
        # The same port: clients resume at the URL they know.
        return site.start(keep_port=True)

    site.arm = arm
    yield site
    site.stop()


def api(site, method, path="", **kwargs):
    return requests.request(
        method,
        f"{site.url}{path}",
        auth=site.auth,
        headers={"Accept": "application/json", **kwargs.pop("headers", {})},
        timeout=60,
        **kwargs,
    )


def items_named(site, prefix: str) -> list[str]:
    response = api(
        site, "GET", "/@search", params={"portal_type": "File", "b_size": 500}
    )
    response.raise_for_status()
    names = [item["@id"].rsplit("/", 1)[1] for item in response.json()["items"]]
    return sorted(name for name in names if name.startswith(prefix))


def download(site, url: str) -> bytes:
    response = requests.get(f"{url}/@@download/file", auth=site.auth, timeout=60)
    assert response.status_code == 200, response.status_code
    return response.content


def payload(seed: int) -> bytes:
    return random.Random(seed).randbytes(SIZE)


def basic(site) -> str:
    user, password = site.auth
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()


def assert_killed(site, timeout: float = 30) -> None:
    """The fault point killed the server process (waitress) or its worker
    (gunicorn, whose master then starts a new one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if site.process.poll() == -signal.SIGKILL:
            return
        if "was sent SIGKILL" in site.output():
            return
        time.sleep(0.2)
    raise AssertionError(f"the server was not killed:\n{site.output()[-3000:]}")


def patch(site, url: str, data: bytes, offset: int) -> requests.Response:
    return api(
        site,
        "PATCH",
        url[len(site.url) :],
        data=data,
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
    )


def killed_by_final_patch(site, fault: str, data: bytes, filename: str) -> str:
    """Upload ``data`` in two PATCHes; the last one kills the server."""
    site.arm(fault)
    created = api(
        site,
        "POST",
        "/@tus-upload",
        headers={
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + b64encode(filename.encode()).decode(),
        },
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    first = patch(site, url, data[:CHUNK], 0)
    assert first.status_code == 204, first.text
    with pytest.raises(requests.ConnectionError):
        patch(site, url, data[CHUNK:], CHUNK)
    assert_killed(site)
    return url


def test_kill_after_the_commit_then_a_retry_creates_no_second_item(crash_site):
    data = payload(1)
    url = killed_by_final_patch(crash_site, "finish-after-commit", data, "after.bin")
    crash_site.arm(None)
    path = url[len(crash_site.url) :]
    head = api(crash_site, "HEAD", path, headers=TUS)
    # The content exists: HEAD says so, with where it is.
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"]
    content_url = head.headers["Content-Location"]
    assert content_url.endswith("/after.bin")
    # The client's retry of its last chunk finds that content.
    retry = patch(crash_site, url, data[CHUNK:], CHUNK)
    assert retry.status_code == 204, retry.text
    assert retry.headers["Location"] == content_url
    assert items_named(crash_site, "after") == ["after.bin"]
    assert sha256(download(crash_site, content_url)) == sha256(data)


def test_kill_before_the_commit_then_a_retry_creates_the_item(crash_site):
    data = payload(2)
    url = killed_by_final_patch(crash_site, "finish-before-commit", data, "before.bin")
    crash_site.arm(None)
    path = url[len(crash_site.url) :]
    head = api(crash_site, "HEAD", path, headers=TUS)
    # Nothing was committed: the last chunk is not acknowledged.
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(CHUNK)
    assert "Content-Location" not in head.headers
    retry = patch(crash_site, url, data[CHUNK:], CHUNK)
    assert retry.status_code == 204, retry.text
    assert items_named(crash_site, "before") == ["before.bin"]
    assert sha256(download(crash_site, retry.headers["Location"])) == sha256(data)


def test_tuspy_resumes_after_a_kill_before_the_commit(crash_site, tmp_path):
    source = tmp_path / "tuspy.bin"
    source.write_bytes(payload(3))
    crash_site.arm("finish-before-commit")

    def uploader(url=None):
        client = tusclient.TusClient(
            f"{crash_site.url}/@tus-upload",
            headers={"Authorization": basic(crash_site)},
        )
        return client.uploader(
            str(source),
            chunk_size=CHUNK,
            metadata={"filename": "tuspy-crash.bin"},
            url=url,
            retries=0,
        )

    first = uploader()
    with pytest.raises(Exception):  # noqa: B017 - the server died mid-request
        first.upload()
    assert_killed(crash_site)
    crash_site.arm(None)
    # tuspy resumes as it always does: HEAD, then the rest.
    second = uploader(first.url)
    assert second.get_offset() == 3 * CHUNK
    second.upload()
    assert items_named(crash_site, "tuspy-crash") == ["tuspy-crash.bin"]
    content = download(crash_site, f"{crash_site.url}/tuspy-crash.bin")
    assert sha256(content) == sha256(source.read_bytes())


@needs_node
def test_tus_js_client_resumes_after_a_kill_before_the_commit(crash_site, tmp_path):
    source = tmp_path / "js.bin"
    source.write_bytes(payload(4))
    crash_site.arm("finish-before-commit")
    options = {
        "endpoint": f"{crash_site.url}/@tus-upload",
        "file": str(source),
        "chunkSize": CHUNK,
        "metadata": {"filename": "js-crash.bin"},
        "headers": {"Authorization": basic(crash_site)},
    }
    events = run_js(options, timeout=180)
    assert events[-1]["event"] == "error"
    created = [event for event in events if event["event"] == "created"]
    assert created, events
    assert_killed(crash_site)
    crash_site.arm(None)
    events = run_js({**options, "uploadUrl": created[-1]["url"]}, timeout=180)
    success = events[-1]
    assert success["event"] == "success", events[-3:]
    assert success["status"] == 204
    chunks = [event for event in events if event["event"] == "chunk"]
    assert chunks[0]["bytesAccepted"] == SIZE  # only the last chunk again
    assert items_named(crash_site, "js-crash") == ["js-crash.bin"]
    content = download(crash_site, success["location"])
    assert sha256(content) == sha256(source.read_bytes())
