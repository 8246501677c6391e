"""tuspy and tus-js-client (Node) uploading into a Plone folder.

Both are interrupted and resumed; the File/Image that results is compared
with the source by SHA-256 through ``@@download``.
"""

from base64 import b64encode
from helpers.digests import sha256
from helpers.plone_tus import download
from helpers.plone_tus import PASSWORD
from helpers.plone_tus import png_bytes
from helpers.plone_tus import upload_with_js
from helpers.tus_js import last
from helpers.tus_js import needs_node

import json
import pytest
import random


SIZE = 3 * 1024 * 1024 + 17
CHUNK = 256 * 1024
BASIC = "Basic " + b64encode(f"alice:{PASSWORD}".encode()).decode()

tusclient = pytest.importorskip("tusclient.client")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(random.Random(2024).randbytes(SIZE))
    return str(path)


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
        assert sha256(download(f"{folder_url}/tuspy.bin")) == sha256(source)


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
            upload_with_js({**options, "abortAfter": 4 * CHUNK}, representation=False),
            "aborted",
        )
        assert aborted["bytesAccepted"] == 4 * CHUNK
        events = upload_with_js(
            {**options, "uploadUrl": aborted["url"]}, representation=False
        )
        success = last(events, "success")
        # As plone.restapi's @tus-upload: 204, Location is the new content.
        assert (success["status"], success["body"]) == (204, "")
        assert success["location"] == f"{folder_url}/js.bin"
        assert success["contentLocation"] == success["location"]
        chunks = [event for event in events if event["event"] == "chunk"]
        assert chunks[0]["bytesAccepted"] == 5 * CHUNK  # resumed, not restarted
        assert sha256(download(success["location"])) == sha256(source)

    def test_image_with_data_during_creation(self, site, endpoint, tmp_path):
        path = tmp_path / "pixel.png"
        path.write_bytes(png_bytes((300, 200)))
        events = upload_with_js(
            {
                "endpoint": endpoint,
                "file": str(path),
                "uploadDataDuringCreation": True,
                "metadata": {"filename": "pixel.png", "filetype": "image/png"},
            }
        )
        body = json.loads(last(events, "success")["body"])
        assert body["@type"] == "Image"
        assert sha256(download(body["@id"], field="image")) == sha256(path)

    def test_parallel_uploads_are_concatenated(self, site, endpoint, source):
        events = upload_with_js(
            {
                "endpoint": endpoint,
                "file": source,
                "parallelUploads": 3,
                "metadata": {"filename": "parallel.bin"},
            }
        )
        body = json.loads(last(events, "success")["body"])
        assert body["size"] == SIZE
        assert sha256(download(body["@id"])) == sha256(source)
