"""tuspy and tus-js-client (Node) uploading into a Plone folder.

Both are interrupted and resumed; the File/Image that results is compared
with the source by SHA-256 through ``@@download``.
"""

from base64 import b64encode
from plone_tus import download
from plone_tus import PASSWORD
from plone_tus import png_bytes
from plone_tus import sha256

import hashlib
import json
import os
import pytest
import random
import shutil
import subprocess


HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.join(HERE, "js_with_headers.js")
NODE_MODULES = os.path.join(HERE, "..", "clients", "js", "node_modules")
SIZE = 3 * 1024 * 1024 + 17
CHUNK = 256 * 1024
BASIC = "Basic " + b64encode(f"alice:{PASSWORD}".encode()).decode()

tusclient = pytest.importorskip("tusclient.client")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(random.Random(2024).randbytes(SIZE))
    return str(path)


def file_sha256(path):
    with open(path, "rb") as source_file:
        return hashlib.file_digest(source_file, "sha256").hexdigest()


class TestTuspy:
    def uploader(self, endpoint, source, url=None):
        client = tusclient.TusClient(endpoint, headers={"Authorization": BASIC})
        return client.uploader(
            source,
            chunk_size=CHUNK,
            upload_checksum=True,
            metadata={"filename": "tuspy.bin", "title": "From tuspy"},
            url=url,
        )

    def test_interrupted_and_resumed(self, site, endpoint, folder_url, source):
        first = self.uploader(endpoint, source)
        for _ in range(5):
            first.upload_chunk()
        assert first.offset == 5 * CHUNK
        # A new process, knowing only the URL, continues where the server is.
        second = self.uploader(endpoint, source, url=first.url)
        assert second.get_offset() == 5 * CHUNK
        second.upload()
        assert sha256(download(f"{folder_url}/tuspy.bin")) == file_sha256(source)


needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isdir(NODE_MODULES),
    reason="node and tests/clients/js/node_modules are needed",
)


def run_js(options, timeout=120, *, representation=True):
    """Run tus-js-client; ``representation``: ask for the content's JSON."""
    headers = {"Authorization": BASIC}
    if representation:
        headers["Prefer"] = "return=representation"
    options = {"headers": headers, **options}
    completed = subprocess.run(
        ["node", WRAPPER, json.dumps(options)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    events = [json.loads(line) for line in completed.stdout.splitlines() if line]
    if completed.returncode:
        print("JSERROR", [event for event in events if event["event"] == "error"])
    assert completed.returncode == 0, (events[-3:], completed.stderr)
    return events


def last(events, name):
    matching = [event for event in events if event["event"] == name]
    assert matching, events[-5:]
    return matching[-1]


@needs_node
class TestTusJsClient:
    def test_aborted_and_resumed(self, site, endpoint, folder_url, source):
        options = {
            "endpoint": endpoint,
            "file": source,
            "chunkSize": CHUNK,
            "metadata": {"filename": "js.bin", "filetype": "application/x-test"},
        }
        aborted = last(
            run_js({**options, "abortAfter": 4 * CHUNK}, representation=False),
            "aborted",
        )
        assert aborted["bytesAccepted"] == 4 * CHUNK
        events = run_js({**options, "uploadUrl": aborted["url"]}, representation=False)
        success = last(events, "success")
        # As plone.restapi's @tus-upload: 204, Location is the new content.
        assert (success["status"], success["body"]) == (204, "")
        assert success["location"] == f"{folder_url}/js.bin"
        assert success["contentLocation"] == success["location"]
        chunks = [event for event in events if event["event"] == "chunk"]
        assert chunks[0]["bytesAccepted"] == 5 * CHUNK  # resumed, not restarted
        assert sha256(download(success["location"])) == file_sha256(source)

    def test_image_with_data_during_creation(self, site, endpoint, tmp_path):
        path = tmp_path / "pixel.png"
        path.write_bytes(png_bytes((300, 200)))
        events = run_js(
            {
                "endpoint": endpoint,
                "file": str(path),
                "uploadDataDuringCreation": True,
                "metadata": {"filename": "pixel.png", "filetype": "image/png"},
            }
        )
        body = json.loads(last(events, "success")["body"])
        assert body["@type"] == "Image"
        assert sha256(download(body["@id"], field="image")) == file_sha256(path)

    def test_parallel_uploads_are_concatenated(self, site, endpoint, source):
        events = run_js(
            {
                "endpoint": endpoint,
                "file": source,
                "parallelUploads": 3,
                "metadata": {"filename": "parallel.bin"},
            }
        )
        body = json.loads(last(events, "success")["body"])
        assert body["size"] == SIZE
        assert sha256(download(body["@id"])) == file_sha256(source)
