"""The IETF draft into a Plone folder: tus-js-client and a requests client.

tus-js-client 4.3 speaks the draft with ``protocol: 'ietf-draft-03'``
(interop 5) and ``'ietf-draft-05'`` (interop 6); each run is aborted
mid-way, resumed from the server's offset, and the File that results is
compared with the source by SHA-256 through ``@@download``. The Plone
policy (owner binding, exactly-once finish) is the one tus 1.0 gets.
"""

from helpers.digests import sha256
from helpers.plone_tus import download
from helpers.plone_tus import PASSWORD
from helpers.plone_tus import upload_with_js
from helpers.tus_js import last
from helpers.tus_js import needs_node

import pytest
import random
import requests


SIZE = 3 * 1024 * 1024 + 17
CHUNK = 256 * 1024


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "ietf.bin"
    path.write_bytes(random.Random(13).randbytes(SIZE))
    return str(path)


@needs_node
@pytest.mark.parametrize("protocol", ["ietf-draft-03", "ietf-draft-05"])
def test_tus_js_client_ietf_aborted_and_resumed(
    site, endpoint, folder_url, source, protocol
):
    options = {
        "endpoint": endpoint,
        "file": source,
        "chunkSize": CHUNK,
        "protocol": protocol,
        "metadata": {"filename": f"{protocol}.bin"},
    }
    aborted = last(
        upload_with_js({**options, "abortAfter": 4 * CHUNK}, representation=False),
        "aborted",
    )
    assert aborted["bytesAccepted"] == 4 * CHUNK
    head = requests.head(
        aborted["url"],
        auth=("alice", PASSWORD),
        headers={"Upload-Draft-Interop-Version": "6"},
        timeout=30,
    )
    assert head.headers["Upload-Offset"] == str(4 * CHUNK)
    assert head.headers["Upload-Complete"] == "?0"
    events = upload_with_js(
        {**options, "uploadUrl": aborted["url"]}, representation=False
    )
    chunks = [event for event in events if event["event"] == "chunk"]
    assert chunks[0]["bytesAccepted"] == 5 * CHUNK  # resumed, not restarted
    success = last(events, "success")
    assert success.get("location") == f"{folder_url}/{protocol}.bin", events[-3:]
    assert sha256(download(success["location"])) == sha256(source)


class IetfClient:
    def __init__(self, endpoint, user, version=8):
        self.endpoint = endpoint
        self.session = requests.Session()
        self.session.auth = (user, PASSWORD)
        self.session.headers["Upload-Draft-Interop-Version"] = str(version)

    def create(self, body=b"", **headers):
        return self.session.post(self.endpoint, data=body, headers=headers, timeout=30)

    def append(self, url, offset, body, done):
        headers = {
            "Upload-Offset": str(offset),
            "Upload-Complete": "?1" if done else "?0",
            "Content-Type": "application/partial-upload",
        }
        return self.session.patch(url, data=body, headers=headers, timeout=30)


def test_ietf_upload_becomes_content_once(site, endpoint, folder_url):
    alice = IetfClient(endpoint, "alice")
    created = alice.create(
        **{
            "Upload-Complete": "?0",
            "Upload-Length": "6",
            "Content-Disposition": 'inline; filename="draft.txt"',
            "Content-Type": "text/plain",
        }
    )
    assert created.status_code == 201
    url = created.headers["Location"]
    assert "Upload-Limit" in created.headers  # interop 8
    assert alice.append(url, 0, b"abc", False).status_code == 204
    done = alice.append(url, 3, b"def", True)
    assert done.status_code == 204
    assert done.headers["Upload-Complete"] == "?1"
    assert done.headers["Location"] == f"{folder_url}/draft.txt"
    again = alice.append(url, 6, b"", True)  # a replay: the same reply
    assert (again.status_code, again.headers["Location"]) == (
        204,
        done.headers["Location"],
    )
    assert download(done.headers["Location"]) == b"abcdef"
    listing = requests.get(
        f"{folder_url}/@search",
        params={"portal_type": "File", "SearchableText": "draft"},
        auth=("alice", PASSWORD),
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    assert [item["@id"] for item in listing["items"]].count(
        done.headers["Location"]
    ) == 1


def test_ietf_upload_belongs_to_its_owner(site, endpoint):
    url = IetfClient(endpoint, "alice").create(b"abc").headers["Location"]
    bob = IetfClient(endpoint, "bob")
    assert bob.session.head(url, timeout=30).status_code == 404
    assert bob.append(url, 3, b"d", False).status_code == 404


def test_ietf_errors_stay_problem_details(site, endpoint):
    alice = IetfClient(endpoint, "alice", version=6)
    url = alice.create(b"abc", **{"Upload-Complete": "?0"}).headers["Location"]
    response = alice.append(url, 9, b"d", False)
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["expected-offset"] == 3
    assert response.json()["provided-offset"] == 9


# -- the editors' text of July 2026 (interop 8) ---------------------------------


def test_interop_8_409_says_the_upload_is_incomplete(site, endpoint):
    alice = IetfClient(endpoint, "alice")
    url = alice.create(b"abc", **{"Upload-Complete": "?0"}).headers["Location"]
    response = alice.append(url, 9, b"d", False)
    assert response.status_code == 409
    assert response.headers["Upload-Complete"] == "?0"
    assert response.headers["Upload-Offset"] == "3"


def test_interop_8_upload_limit_says_min_size(site, endpoint):
    alice = IetfClient(endpoint, "alice")
    options = alice.session.options(endpoint, timeout=30)
    assert options.headers["Upload-Limit"].startswith("min-size=0, ")
    url = alice.create(b"abc", **{"Upload-Complete": "?0"}).headers["Location"]
    head = alice.session.head(url, timeout=30)
    assert head.headers["Upload-Limit"].startswith("min-size=0, ")


def test_interop_8_get_reads_the_offset_like_head(site, endpoint):
    alice = IetfClient(endpoint, "alice")
    url = alice.create(b"abc", **{"Upload-Complete": "?0"}).headers["Location"]
    head = alice.session.head(url, timeout=30)
    got = alice.session.get(url, timeout=30)
    assert (got.status_code, got.content) == (204, b"")
    for name in ("Upload-Offset", "Upload-Complete", "Cache-Control"):
        assert got.headers[name] == head.headers[name]
    # Without the draft's header a GET finds nothing, as before.
    plain = requests.get(url, auth=("alice", PASSWORD), timeout=30)
    assert plain.status_code == 404
