"""Done when (issue 15): a 512 MiB file sent in ONE PATCH and cut at about half
keeps at least 45 % on the default server (the front server), and resumes to a
byte-identical result: for the filter and for Plone, directly and through
nginx; and tus-js-client and tuspy with their default whole-file chunking
resume the same way through Plone.

Real servers: Plone from ``scripts/run.sh`` (``make run``), the filter from
``python -m collective.tusupload.deploy.serve``, Debian's nginx with a
temporary configuration; all on 127.0.0.1 and stopped at the end.
"""

from cut_helpers import create
from cut_helpers import cut_patch
from cut_helpers import CuttingProxy
from cut_helpers import free_port
from cut_helpers import make_source
from cut_helpers import MIB
from cut_helpers import NGINX
from cut_helpers import Nginx
from cut_helpers import resume
from cut_helpers import settled_offset
from cut_helpers import sha256_of
from cut_helpers import sha256_of_url
from cut_helpers import TUS
from cut_helpers import wait_for_port
from pathlib import Path

import json
import os
import pytest
import requests
import shutil
import subprocess
import sys
import threading
import time


ROOT = Path(__file__).resolve().parents[2]
SIZE = 512 * MIB
AUTH = ("admin", "s3cret")
KEPT = 0.45

pytestmark = pytest.mark.slow

needs_nginx = pytest.mark.skipif(
    not os.path.exists(NGINX), reason="nginx is not installed (apt-get install nginx)"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = make_source(tmp_path_factory.mktemp("source") / "big.bin", SIZE)
    return {"path": path, "sha256": sha256_of(path)}


@pytest.fixture(scope="module")
def plone(tmp_path_factory, run_sites):
    """``make run``'s site on its default server."""
    site = run_sites(tmp_path_factory.mktemp("plone"), admin_password=AUTH[1])
    site.start()
    yield site
    site.stop()


FILTER_INI = """\
[app:main]
use = call:collective.tusupload.adapters.example:make_app
received_dir = {directory}/received
upload_path = /files
filter-with = tus

[filter:tus]
use = call:collective.tusupload.adapters.wsgi:filter_factory
tmp_file_dir = {directory}/uploads
upload_path = /files
upload_valid_duration = 86400
send_file = false

[server:main]
use = {use}
host = 127.0.0.1
port = {port}
threads = 4
"""


class FilterServer:
    """The filter in front of the example app, served by deploy.serve."""

    def __init__(self, directory: Path, server: str = "front") -> None:
        self.directory = directory
        self.port = free_port()
        use = {
            "front": "egg:collective.tusupload#front",
            "gunicorn": "egg:collective.tusupload#gunicorn",
            "waitress": "egg:waitress#main",
        }[server]
        config = directory / "filter.ini"
        config.write_text(
            FILTER_INI.format(directory=directory, port=self.port, use=use)
        )
        self.log = open(directory / "server.log", "wb")  # noqa: SIM115 - stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "collective.tusupload.deploy.serve", str(config)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process)
        self.endpoint = f"http://127.0.0.1:{self.port}/files"

    def received_sha256(self, upload_url: str) -> str:
        upload_id = upload_url.rstrip("/").rsplit("/", 1)[-1]
        summary = self.directory / "received" / f"{upload_id}.json"
        return json.loads(summary.read_text())["sha256"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.log.close()


@pytest.fixture(scope="module")
def filter_server(tmp_path_factory):
    server = FilterServer(tmp_path_factory.mktemp("filter"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nginx_plone(tmp_path_factory, plone):
    proxy = Nginx(tmp_path_factory.mktemp("nginx-plone"), plone.port)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def nginx_filter(tmp_path_factory, filter_server):
    proxy = Nginx(tmp_path_factory.mktemp("nginx-filter"), filter_server.port)
    yield proxy
    proxy.stop()


def cut_and_resume(endpoint, source, *, auth=None, reset=False):
    """Cut one whole-file PATCH at half, HEAD, resume; return (kept, reply)."""
    url = create(
        endpoint,
        SIZE,
        auth=auth,
        filename=f"cut-{time.monotonic_ns()}.bin",
        content_type="application/octet-stream",
    )
    cut_patch(url, source["path"], offset=0, send=SIZE // 2, auth=auth, reset=reset)
    kept = settled_offset(url, auth=auth)
    reply = resume(url, source["path"], kept, auth=auth)
    # Plone answers 204; the filter passes on its app's reply to the finish.
    assert reply.status_code == (204 if auth else 200), reply.text
    if auth:
        assert int(reply.headers["Upload-Offset"]) == SIZE
    return url, kept, reply


def assert_plone_content(reply, source):
    content_url = reply.headers["Location"]
    assert "/@tus-upload" not in content_url
    download = content_url + "/@@download/file"
    assert sha256_of_url(download, auth=AUTH) == source["sha256"]
    requests.delete(content_url, auth=AUTH, headers={"Accept": "application/json"})


def test_plone_keeps_half_of_a_cut_patch_and_resumes(plone, source):
    _url, kept, reply = cut_and_resume(f"{plone.url}/@tus-upload", source, auth=AUTH)
    assert kept >= KEPT * SIZE
    assert_plone_content(reply, source)


def test_plone_keeps_what_arrived_before_a_reset(plone, source):
    _url, kept, reply = cut_and_resume(
        f"{plone.url}/@tus-upload", source, auth=AUTH, reset=True
    )
    assert kept >= KEPT * SIZE
    assert_plone_content(reply, source)


IETF = {"Upload-Draft-Interop-Version": "8"}


def test_filter_keeps_half_of_a_cut_ietf_append_and_resumes(filter_server, source):
    """The IETF draft's append, cut at half, as tus 1.0's PATCH.

    Through the filter: Plone limits an append to its chunk size hint
    (``Upload-Limit: max-append-size``), so a whole-file append is refused
    there before a byte is read.
    """
    created = requests.post(
        filter_server.endpoint,
        headers={
            **IETF,
            "Upload-Complete": "?0",
            "Upload-Length": str(SIZE),
            "Content-Disposition": 'inline; filename="ietf-cut.bin"',
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    append = {
        **IETF,
        "Upload-Complete": "?1",
        "Content-Type": "application/partial-upload",
    }
    cut_patch(url, source["path"], offset=0, send=SIZE // 2, protocol=append)
    kept = settled_offset(url, protocol=IETF)
    assert kept >= KEPT * SIZE
    reply = resume(url, source["path"], kept, protocol=append)
    assert reply.status_code == 200, reply.text  # the app's reply to the finish
    assert filter_server.received_sha256(url) == source["sha256"]


def test_filter_keeps_half_of_a_cut_patch_and_resumes(filter_server, source):
    url, kept, _reply = cut_and_resume(filter_server.endpoint, source)
    assert kept >= KEPT * SIZE
    assert filter_server.received_sha256(url) == source["sha256"]


@needs_nginx
def test_plone_behind_nginx_keeps_half_of_a_cut_patch(nginx_plone, source):
    _url, kept, reply = cut_and_resume(
        nginx_plone.url("/Plone/@tus-upload"), source, auth=AUTH
    )
    assert kept >= KEPT * SIZE
    assert reply.headers["Location"].startswith(nginx_plone.url("/"))
    assert_plone_content(reply, source)


@needs_nginx
def test_filter_behind_nginx_keeps_half_of_a_cut_patch(
    nginx_filter, filter_server, source
):
    url, kept, _reply = cut_and_resume(nginx_filter.url("/files"), source)
    assert kept >= KEPT * SIZE
    assert filter_server.received_sha256(url) == source["sha256"]


def test_filter_on_waitress_loses_the_whole_cut_patch(tmp_path, source):
    """What docs/deployment.rst says of waitress: set a chunk size."""
    server = FilterServer(tmp_path, server="waitress")
    try:
        url = create(server.endpoint, SIZE, filename="cut.bin")
        cut_patch(url, source["path"], offset=0, send=SIZE // 2)
        time.sleep(1)
        head = requests.head(url, headers=TUS, timeout=30)
        assert head.headers["Upload-Offset"] == "0"
    finally:
        server.stop()


# -- real clients, default (whole-file) chunking ----------------------------------

JS_DRIVER = ROOT / "tests" / "restapi" / "js_with_headers.js"
JS_MODULES = ROOT / "tests" / "clients" / "js" / "node_modules" / "tus-js-client"


@pytest.mark.clients
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.skipif(
    not JS_MODULES.exists(), reason="tests/clients/js/node_modules missing (make test)"
)
def test_tus_js_client_resumes_a_cut_whole_file_patch_through_plone(plone, source):
    proxy = CuttingProxy(plone.port, cut_after=SIZE // 2)
    try:
        endpoint = f"http://127.0.0.1:{proxy.port}/Plone/@tus-upload"
        token = requests.auth._basic_auth_str(*AUTH)
        options = {
            "endpoint": endpoint,
            "file": str(source["path"]),
            "retryDelays": [0, 500, 1000],
            "metadata": {"filename": "js-cut.bin"},
            "headers": {"Authorization": token},
        }
        completed = subprocess.run(
            ["node", str(JS_DRIVER), json.dumps(options)],
            capture_output=True,
            text=True,
            timeout=240,
        )
        events = [json.loads(line) for line in completed.stdout.splitlines()]
        assert completed.returncode == 0, (events[-3:], completed.stderr[-2000:])
        success = [event for event in events if event["event"] == "success"][-1]
        assert proxy.cut_done
        # The cut PATCH carried half; the resume sent only what was missing.
        resent = proxy.sent - SIZE // 2
        assert resent <= (1 - KEPT) * SIZE + MIB, resent
    finally:
        proxy.close()
    content_url = success["location"]
    content_url = content_url.replace(f":{proxy.port}/", f":{plone.port}/")
    assert (
        sha256_of_url(content_url + "/@@download/file", auth=AUTH) == (source["sha256"])
    )
    requests.delete(content_url, auth=AUTH, headers={"Accept": "application/json"})


@pytest.mark.clients
def test_tuspy_resumes_a_cut_whole_file_patch_through_plone(plone, source):
    from tusclient import client as tus_client
    from tusclient.exceptions import TusCommunicationError
    from tusclient.exceptions import TusUploadFailed

    proxy = CuttingProxy(plone.port, cut_after=SIZE // 2)
    try:
        endpoint = f"http://127.0.0.1:{proxy.port}/Plone/@tus-upload"
        headers = {"Authorization": requests.auth._basic_auth_str(*AUTH)}
        tus = tus_client.TusClient(endpoint, headers=headers)
        first = tus.uploader(str(source["path"]), metadata={"filename": "py-cut.bin"})
        with pytest.raises((TusUploadFailed, TusCommunicationError)):
            first.upload()
        assert proxy.cut_done
        url = first.url.replace(f":{proxy.port}/", f":{plone.port}/")
        kept = settled_offset(url, auth=AUTH)
        assert kept >= KEPT * SIZE
        sent_before = proxy.sent
        resumed = tus.uploader(str(source["path"]), url=first.url)
        assert resumed.offset == kept
        resumed.upload()
        assert proxy.sent - sent_before <= SIZE - kept + MIB
        content_url = resumed.request.response_headers["location"]
    finally:
        proxy.close()
    content_url = content_url.replace(f":{proxy.port}/", f":{plone.port}/")
    assert (
        sha256_of_url(content_url + "/@@download/file", auth=AUTH) == (source["sha256"])
    )
    requests.delete(content_url, auth=AUTH, headers={"Accept": "application/json"})


# -- Zope's retry after a ConflictError, with a streamed body ---------------------


def retried_requests(site) -> int:
    return site.output().count("tus request retried after a conflict")


@pytest.mark.xfail(
    strict=False,
    reason=(
        "a retry now finishes the chunk its first attempt stored (see "
        "transfer.body_of_retry), but two editors changing the folder "
        "without pause can make every one of Zope's retries conflict; the "
        "request then fails reporting no progress and the client sends the "
        "chunk again."
    ),
)
def test_a_final_patch_retried_after_a_conflict_still_finishes(plone):
    """Folder edits race final PATCHes until Zope retries one of them."""
    folder = f"{plone.url}/retry-folder"
    requests.post(
        plone.url,
        auth=AUTH,
        headers={"Accept": "application/json"},
        json={"@type": "Folder", "id": "retry-folder", "title": "retry"},
        timeout=30,
    )
    stop = threading.Event()

    def edit_folder():
        session = requests.Session()
        session.auth = AUTH
        for count in range(2000):
            if stop.is_set():
                return
            session.patch(
                folder,
                headers={"Accept": "application/json"},
                json={"title": f"retry {count}"},
                timeout=30,
            )

    editors = [threading.Thread(target=edit_folder) for _ in range(2)]
    for editor in editors:
        editor.start()
    payload = os.urandom(MIB)
    replies = []
    retried_before = retried_requests(plone)
    try:
        for attempt in range(40):
            url = create(
                f"{folder}/@tus-upload", MIB, auth=AUTH, filename=f"r{attempt}"
            )
            reply = requests.patch(
                url,
                data=payload,
                headers={
                    **TUS,
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
                auth=AUTH,
                timeout=60,
            )
            replies.append((reply.status_code, reply.headers.get("Upload-Offset")))
            if retried_requests(plone) > retried_before:
                break
    finally:
        stop.set()
        for editor in editors:
            editor.join()
    if retried_requests(plone) == retried_before:
        pytest.skip(f"no ConflictError provoked in {len(replies)} final PATCHes")
    assert replies[-1] == (204, str(MIB)), replies[-3:]
