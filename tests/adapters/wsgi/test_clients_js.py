"""tus-js-client (Node, pinned in helpers/js/package-lock.json) against the filter.

The driver ``helpers/js/upload.js`` prints one JSON event per line; the stored bytes
are compared by SHA-256 as the app behind the filter saw them.
"""

from helpers.digests import sha256
from helpers.tus_js import DRIVER
from helpers.tus_js import JS_DIR

import json
import os
import pytest
import shutil
import subprocess
import time


SIZE = 6 * 1024 * 1024
CHUNK = 256 * 1024

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("node") is None,
        reason="node is not installed (Node.js runs tus-js-client)",
    ),
]


@pytest.fixture(scope="module")
def node_modules():
    """Install the pinned tus-js-client (``npm ci``) unless already there."""
    if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "tus-js-client")):
        if shutil.which("npm") is None:
            pytest.skip(
                "npm is not installed and tests/helpers/js/node_modules is missing"
            )
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return JS_DIR


def run_driver(options, *, on_event=None, timeout=60):
    """Run the Node driver; return its events. ``on_event`` sees each as it comes."""
    process = subprocess.Popen(
        ["node", DRIVER, json.dumps(options)],
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    events = []
    deadline = time.monotonic() + timeout
    try:
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if on_event is not None:
                on_event(event)
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"tus-js-client took longer than {timeout}s: {events[-3:]}"
                )
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read()
    assert process.returncode == 0, (
        f"node failed ({process.returncode}): {events[-3:]}\n{stderr}"
    )
    return events


def last(events, name):
    matching = [event for event in events if event["event"] == name]
    assert matching, f"no {name!r} event in {events[-5:]}"
    return matching[-1]


def upload_id_of(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_js_uploads_in_small_chunks(node_modules, server, source):
    events = run_driver(
        {
            "endpoint": server.endpoint,
            "file": source,
            "chunkSize": CHUNK,
            # The final PATCH carries the app's reply only when asked to.
            "headers": {"Prefer": "return=representation"},
        }
    )
    success = last(events, "success")
    assert (
        len([event for event in events if event["event"] == "chunk"]) == SIZE // CHUNK
    )
    summary = server.received(upload_id_of(success["url"]))
    assert summary["sha256"] == sha256(source)
    assert (
        json.loads(success["body"])["sha256"] == summary["sha256"]
    )  # the app's reply reached the client


def test_js_resumes_previous_upload_after_abort(node_modules, server, source, tmp_path):
    storage = str(tmp_path / "tus-url-storage.json")
    options = {
        "endpoint": server.endpoint,
        "file": source,
        "chunkSize": CHUNK,
        "urlStorage": storage,
    }

    aborted = last(run_driver({**options, "abortAfter": 2 * 1024 * 1024}), "aborted")
    assert aborted["bytesAccepted"] == 2 * 1024 * 1024

    events = run_driver(options)
    assert last(events, "previous")["count"] == 1  # findPreviousUploads()
    chunks = [event for event in events if event["event"] == "chunk"]
    assert (
        chunks[0]["bytesAccepted"] == 2 * 1024 * 1024 + CHUNK
    )  # resumed, not restarted
    success = last(events, "success")
    assert success["url"] == aborted["url"]
    assert server.received(upload_id_of(success["url"]))["sha256"] == sha256(source)


def test_js_resumes_upload_url_after_abort(node_modules, server, source):
    options = {"endpoint": server.endpoint, "file": source, "chunkSize": CHUNK}
    aborted = last(run_driver({**options, "abortAfter": 3 * 1024 * 1024}), "aborted")

    events = run_driver({**options, "uploadUrl": aborted["url"]})
    chunks = [event for event in events if event["event"] == "chunk"]
    assert chunks[0]["bytesAccepted"] == 3 * 1024 * 1024 + CHUNK
    assert server.received(upload_id_of(aborted["url"]))["sha256"] == sha256(source)


def test_js_retries_through_server_kill_and_restart(node_modules, server, source):
    restarted = []

    def kill_once(event):
        if (
            event["event"] == "chunk"
            and event["bytesAccepted"] >= 2 * 1024 * 1024
            and not restarted
        ):
            server.kill()  # SIGKILL mid-upload
            server.start()
            restarted.append(event["bytesAccepted"])

    events = run_driver(
        {
            "endpoint": server.endpoint,
            "file": source,
            "chunkSize": CHUNK,
            "retryDelays": [100, 250, 500, 1000, 2000, 4000],
        },
        on_event=kill_once,
    )
    assert restarted
    success = last(events, "success")
    assert server.received(upload_id_of(success["url"]))["sha256"] == sha256(source)


def info_files(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".info")]


def test_js_parallel_uploads_are_concatenated(node_modules, server, source):
    events = run_driver(
        {
            "endpoint": server.endpoint,
            "file": source,
            "chunkSize": CHUNK,
            "parallelUploads": 3,
        }
    )
    success = last(events, "success")
    summary = server.received(upload_id_of(success["url"]))
    assert summary["size"] == SIZE
    assert summary["sha256"] == sha256(source)
    # The three partial uploads go with the final one, once the filter has
    # closed the response (which may be just after the client got it); the
    # final upload's record stays, without data, to answer HEAD.
    final = f"{upload_id_of(success['url'])}.info"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and info_files(server.upload_dir) != [final]:
        time.sleep(0.05)
    assert info_files(server.upload_dir) == [final]
    assert not [name for name in os.listdir(server.upload_dir) if ".data" in name]


def test_js_upload_data_during_creation(node_modules, server, source):
    events = run_driver(
        {
            "endpoint": server.endpoint,
            "file": source,
            "chunkSize": CHUNK,
            "uploadDataDuringCreation": True,
        }
    )
    chunks = [event for event in events if event["event"] == "chunk"]
    assert chunks[0]["bytesAccepted"] == CHUNK  # the POST carried the first chunk
    assert len(chunks) == SIZE // CHUNK
    success = last(events, "success")
    assert server.received(upload_id_of(success["url"]))["sha256"] == sha256(source)


def test_js_small_file_in_creation_request(node_modules, server, tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello tus\n")
    events = run_driver(
        {
            "endpoint": server.endpoint,
            "file": str(small),
            "uploadDataDuringCreation": True,
        }
    )
    success = last(events, "success")
    assert success["status"] == 201  # finished by the POST, handed on to the app
    assert server.received(upload_id_of(success["url"]))["sha256"] == sha256(str(small))
