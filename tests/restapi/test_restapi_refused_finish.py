"""The final PATCH refused (CSRF 403): real clients resume to exactly one item.

A browser session's CSRF token can expire during a long upload. The final
PATCH is then refused after its bytes are stored; they must not be
acknowledged, so that the client, run again the way it normally resumes
(HEAD, then the rest), finishes the upload, once.
"""

from helpers.digests import sha256
from helpers.plone_tus import cookie_login
from helpers.plone_tus import download
from helpers.plone_tus import objects_in
from helpers.tus_js import needs_node
from helpers.tus_js import run_js

import pytest
import random
import requests


SIZE = 2 * 1024 * 1024 + 11
CHUNK = 512 * 1024
LAST = SIZE - SIZE % CHUNK  # where the last chunk begins

tusclient = pytest.importorskip("tusclient.client")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(random.Random(7).randbytes(SIZE))
    return str(path)


@pytest.fixture
def session(site):
    """alice's cookie header, and her CSRF token."""
    cookie, token = cookie_login(site, "alice")
    return {"Cookie": f"__ac={cookie}"}, token


def offset_of(url: str, cookie: dict) -> int:
    head = requests.head(url, headers={"Tus-Resumable": "1.0.0", **cookie}, timeout=30)
    assert head.status_code == 200
    assert "Content-Location" not in head.headers
    return int(head.headers["Upload-Offset"])


def test_tuspy_resumes_after_a_refused_final_patch(
    site, endpoint, folder_url, session, source
):
    cookie, token = session
    client = tusclient.TusClient(endpoint, headers={**cookie, "X-CSRF-TOKEN": token})
    uploader = client.uploader(
        source, chunk_size=CHUNK, metadata={"filename": "tuspy.bin"}, retries=0
    )
    uploader.upload(stop_at=LAST)
    # The token is gone (expired, another tab logged out and in...).
    del client.headers["X-CSRF-TOKEN"]
    with pytest.raises(Exception, match="403"):
        uploader.upload()
    assert offset_of(uploader.url, cookie) == LAST
    assert objects_in(site) == ["report"]
    # tuspy, run again with a fresh token, resumes as it always does.
    fresh = tusclient.TusClient(endpoint, headers={**cookie, "X-CSRF-TOKEN": token})
    resumed = fresh.uploader(source, chunk_size=CHUNK, url=uploader.url, retries=0)
    assert resumed.get_offset() == LAST
    resumed.upload()
    assert objects_in(site) == ["report", "tuspy.bin"]
    with open(source, "rb") as data:
        assert sha256(download(f"{folder_url}/tuspy.bin")) == sha256(data.read())


@needs_node
def test_tus_js_client_resumes_after_a_refused_final_patch(
    site, endpoint, folder_url, session, source
):
    cookie, token = session
    created = requests.post(
        endpoint,
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(SIZE),
            "Upload-Metadata": "filename anMuYmlu",  # js.bin
            "X-CSRF-TOKEN": token,
            **cookie,
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    options = {"endpoint": endpoint, "file": source, "chunkSize": CHUNK}
    refused = run_js({**options, "uploadUrl": url, "headers": cookie})
    assert refused[-1]["event"] == "error"
    assert "403" in refused[-1]["message"]
    assert offset_of(url, cookie) == LAST
    assert objects_in(site) == ["report"]
    resumed = run_js(
        {**options, "uploadUrl": url, "headers": {**cookie, "X-CSRF-TOKEN": token}}
    )
    assert resumed[-1]["event"] == "success", resumed[-3:]
    assert resumed[-1]["location"] == f"{folder_url}/js.bin"
    assert objects_in(site) == ["js.bin", "report"]
    with open(source, "rb") as data:
        assert sha256(download(f"{folder_url}/js.bin")) == sha256(data.read())
