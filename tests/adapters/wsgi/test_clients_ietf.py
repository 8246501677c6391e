"""The IETF draft ("Resumable Uploads for HTTP") spoken with requests to the filter.

Interop versions 3 (iOS 17), 6 (iOS 18.1, tus-js-client 'ietf-draft-05') and
8 (the newest draft text we could read) against a real waitress serving the
WSGI filter; every reply the draft defines, every error, and a tus 1.0
client on the same endpoint.
"""

from helpers.digests import sha256
from helpers.tus_server import ServerProcess

import base64
import hashlib
import http_sf
import os
import pytest
import requests
import time


SIZE = 64 * 1024
MAX_SIZE = 1 << 20
MAX_APPEND = 32 * 1024
PROBLEMS = "https://iana.org/assignments/http-problem-types#"

pytestmark = pytest.mark.clients


@pytest.fixture
def server(tmp_path):
    """The filter with a size limit and a limit per request."""
    process = ServerProcess(
        str(tmp_path / "server"),
        extra_arguments=(
            "--max-size",
            str(MAX_SIZE),
            "--max-append-size",
            str(MAX_APPEND),
        ),
    ).start()
    yield process
    process.stop()


@pytest.fixture
def data():
    return os.urandom(SIZE)


class Client:
    """An IETF client of one interop version."""

    def __init__(self, server, version):
        self.server = server
        self.version = version
        self.session = requests.Session()

    @property
    def complete_field(self):
        return "Upload-Incomplete" if self.version == 3 else "Upload-Complete"

    def complete(self, done: bool) -> dict:
        value = (not done) if self.version == 3 else done
        return {self.complete_field: "?1" if value else "?0"}

    def is_complete(self, response) -> bool:
        value = http_sf.parse(
            response.headers[self.complete_field].encode(), tltype="item"
        )[0]
        return (not value) if self.version == 3 else value

    def headers(self, **extra) -> dict:
        headers = {"Upload-Draft-Interop-Version": str(self.version)}
        headers.update(extra)
        return headers

    def create(self, body=b"", *, done=False, headers=None, **extra):
        all_headers = self.headers(**self.complete(done))
        all_headers.update(headers or {})
        return self.session.post(
            self.server.endpoint, data=body, headers=all_headers, timeout=30, **extra
        )

    def append(self, url, offset, body=b"", *, done=False, headers=None):
        all_headers = self.headers(
            **self.complete(done), **{"Upload-Offset": str(offset)}
        )
        if self.version >= 6:
            all_headers["Content-Type"] = "application/partial-upload"
        all_headers.update(headers or {})
        return self.session.patch(url, data=body, headers=all_headers, timeout=30)

    def head(self, url):
        return self.session.head(url, headers=self.headers(), timeout=30)


def limits(response) -> dict:
    parsed = http_sf.parse(
        response.headers["Upload-Limit"].encode(), tltype="dictionary"
    )
    return {key: value for key, (value, _) in parsed.items()}


def upload_id_of(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def content_digest(algorithm, body):
    name = {"sha-256": "sha256", "sha-512": "sha512"}[algorithm]
    encoded = base64.b64encode(hashlib.new(name, body).digest()).decode()
    return f"{algorithm}=:{encoded}:"


VERSIONS = [3, 6, 8]


@pytest.fixture(params=VERSIONS, ids=lambda version: f"interop-{version}")
def client(request, server):
    return Client(server, request.param)


# -- discovery ------------------------------------------------------------


def test_options_announces_limits(client):
    response = client.session.options(
        client.server.endpoint, headers=client.headers(), timeout=30
    )
    assert response.status_code == 204
    assert "application/partial-upload" in response.headers["Accept-Patch"]
    if client.version == 3:
        assert "Upload-Limit" not in response.headers
        return
    announced = limits(response)
    assert announced["max-size"] == MAX_SIZE
    assert announced["max-append-size"] == MAX_APPEND
    age_key = "expires" if client.version == 6 else "max-age"
    assert announced[age_key] == 86400


def test_unknown_interop_version_is_refused(server):
    response = requests.post(
        server.endpoint,
        headers={"Upload-Draft-Interop-Version": "2", "Upload-Complete": "?0"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "3, 4, 5, 6, 7, 8" in response.json()["detail"]


# -- creation, offset retrieval, append -------------------------------------


def test_creation_without_body_then_appends_then_completes(client, data):
    created = client.create(headers={"Upload-Length": str(SIZE)})
    assert created.status_code == 201
    url = created.headers["Location"]
    assert not client.is_complete(created)
    assert created.headers["Upload-Offset"] == "0"
    assert ("Upload-Limit" in created.headers) == (client.version == 8)
    offset = 0
    while offset < SIZE:
        chunk = data[offset : offset + MAX_APPEND]
        done = offset + len(chunk) == SIZE
        response = client.append(url, offset, chunk, done=done)
        assert response.status_code in (200, 204), response.text
        offset += len(chunk)
        assert response.headers["Upload-Offset"] == str(offset)
        assert client.is_complete(response) == done
    head = client.head(url)
    assert head.status_code == 204
    assert client.is_complete(head)
    assert head.headers["Upload-Offset"] == str(SIZE)
    assert head.headers["Cache-Control"] == "no-store"
    received = client.server.received(upload_id_of(url))
    assert received["sha256"] == hashlib.sha256(data).hexdigest()


def test_head_reports_offset_length_and_limits(client, data):
    url = client.create(data[:1000], headers={"Upload-Length": str(SIZE)}).headers[
        "Location"
    ]
    head = client.head(url)
    assert head.status_code == 204
    assert head.content == b""
    assert head.headers["Upload-Offset"] == "1000"
    assert not client.is_complete(head)
    assert head.headers["Cache-Control"] == "no-store"
    if client.version >= 6:
        assert head.headers["Upload-Length"] == str(SIZE)
    if client.version == 8:
        assert 0 < limits(head)["max-age"] <= 86400
        assert limits(head)["max-append-size"] == MAX_APPEND


def test_creation_with_the_whole_body_completes_at_once(client, data):
    body = data[:MAX_APPEND]
    response = client.create(body, done=True)
    assert response.status_code == 201
    assert client.is_complete(response)
    received = client.server.received(upload_id_of(response.headers["Location"]))
    assert received["sha256"] == hashlib.sha256(body).hexdigest()


def test_empty_upload_completes_at_creation(client):
    response = client.create(b"", done=True)
    assert response.status_code == 201
    assert client.is_complete(response)
    received = client.server.received(upload_id_of(response.headers["Location"]))
    assert received["size"] == 0


def test_reaching_the_declared_length_completes_without_complete_flag(client, data):
    body = data[:1000]
    url = client.create(headers={"Upload-Length": "1000"}).headers["Location"]
    response = client.append(url, 0, body, done=False)
    assert response.status_code in (200, 204)
    assert client.is_complete(response)
    received = client.server.received(upload_id_of(url))
    assert received["sha256"] == hashlib.sha256(body).hexdigest()


def test_a_replayed_completing_request_gets_the_final_reply_again(client, data):
    body = data[:1000]
    url = client.create(body, headers={"Upload-Length": "1000"}).headers["Location"]
    if client.version < 6:
        first = client.append(url, 1000, b"", done=True)
    else:
        first = client.head(url)
    assert client.is_complete(first)
    again = client.append(url, 1000, b"", done=True)
    assert again.status_code in (200, 204)
    assert client.is_complete(again)
    assert again.headers["Upload-Offset"] == "1000"
    upload_id = upload_id_of(url)
    client.server.received(upload_id)
    assert client.server.app_calls(upload_id) == 1  # never a second item


def test_cancellation(client):
    url = client.create(b"abc").headers["Location"]
    response = client.session.delete(url, headers=client.headers(), timeout=30)
    assert response.status_code == 204
    assert client.head(url).status_code == 404


# -- errors --------------------------------------------------------------------


def test_mismatching_offset_is_409_with_both_offsets(client):
    url = client.create(b"abc").headers["Location"]
    response = client.append(url, 7, b"def")
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Upload-Offset"] == "3"
    problem = response.json()
    assert problem["type"] == PROBLEMS + "mismatching-upload-offset"
    assert problem["expected-offset"] == 3
    assert problem["provided-offset"] == 7
    assert client.head(url).headers["Upload-Offset"] == "3"


def test_changed_length_is_inconsistent(client):
    url = client.create(b"abc", headers={"Upload-Length": "10"}).headers["Location"]
    response = client.append(url, 3, b"d", headers={"Upload-Length": "11"})
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEMS + "inconsistent-upload-length"
    assert client.head(url).headers["Upload-Offset"] == "3"


def test_completing_before_the_declared_length_is_inconsistent(client):
    response = client.create(b"abc", done=True, headers={"Upload-Length": "10"})
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEMS + "inconsistent-upload-length"


def test_data_past_the_length_is_inconsistent(client):
    url = client.create(b"abc", headers={"Upload-Length": "5"}).headers["Location"]
    response = client.append(url, 3, b"defg")
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEMS + "inconsistent-upload-length"
    assert client.head(url).headers["Upload-Offset"] == "3"


def test_appending_to_a_completed_upload_is_inconsistent(client):
    url = client.create(b"abc", done=True).headers["Location"]
    response = client.append(url, 3, b"more")
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEMS + "inconsistent-upload-length"


def test_patch_without_partial_upload_media_type_is_415(client):
    url = client.create(b"abc").headers["Location"]
    response = client.append(
        url, 3, b"def", headers={"Content-Type": "application/octet-stream"}
    )
    if client.version < 6:
        assert response.status_code == 204  # those versions name no media type
        return
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/problem+json"


def test_missing_offset_is_400(client):
    url = client.create(b"abc").headers["Location"]
    headers = client.headers(**client.complete(False))
    response = client.session.patch(url, data=b"d", headers=headers, timeout=30)
    if client.version >= 6:
        headers["Content-Type"] = "application/partial-upload"
        response = client.session.patch(url, data=b"d", headers=headers, timeout=30)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_over_the_maximum_size_is_413_with_limits(client):
    response = client.create(headers={"Upload-Length": str(MAX_SIZE + 1)})
    assert response.status_code == 413
    if client.version >= 6:
        assert limits(response)["max-size"] == MAX_SIZE


def test_over_max_append_size_is_413(client, data):
    url = client.create().headers["Location"]
    response = client.append(url, 0, data[: MAX_APPEND + 1])
    assert response.status_code == 413
    if client.version >= 6:
        assert limits(response)["max-append-size"] == MAX_APPEND
    assert client.head(url).headers["Upload-Offset"] == "0"


def test_unknown_upload_is_404(client):
    response = client.head(f"{client.server.endpoint}/{'0' * 32}")
    assert response.status_code == 404


# -- digests ---------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha-256", "sha-512"])
def test_content_digest_is_verified(client, algorithm):
    url = client.create(b"abc").headers["Location"]
    good = client.append(
        url, 3, b"def", headers={"Content-Digest": content_digest(algorithm, b"def")}
    )
    assert good.status_code == 204
    bad = client.append(
        url, 6, b"ghi", headers={"Content-Digest": content_digest(algorithm, b"XXX")}
    )
    assert bad.status_code == 400
    assert "Content-Digest mismatch" in bad.json()["detail"]
    assert client.head(url).headers["Upload-Offset"] == "6"  # unchanged


def test_content_digest_of_unknown_algorithm_only_is_400(client):
    url = client.create(b"abc").headers["Location"]
    response = client.append(
        url, 3, b"def", headers={"Content-Digest": "md5=:AAAAAAAAAAAAAAAAAAAAAA==:"}
    )
    assert response.status_code == 400
    assert "sha-256" in response.json()["detail"]
    assert client.head(url).headers["Upload-Offset"] == "3"


@pytest.mark.parametrize("algorithm", ["sha-256", "sha-512"])
def test_repr_digest_is_verified_when_the_upload_completes(client, data, algorithm):
    body = data[:2000]
    bad = client.create(
        body[:1000],
        headers={
            "Upload-Length": "2000",
            "Repr-Digest": content_digest(algorithm, b"not the upload"),
        },
    )
    url = bad.headers["Location"]
    refused = client.append(url, 1000, body[1000:], done=True)
    assert refused.status_code == 400
    assert "Repr-Digest mismatch" in refused.json()["detail"]
    assert client.head(url).headers["Upload-Offset"] == "1000"  # unchanged

    good = client.create(
        body[:1000],
        headers={
            "Upload-Length": "2000",
            "Repr-Digest": content_digest(algorithm, body),
        },
    )
    url = good.headers["Location"]
    done = client.append(url, 1000, body[1000:], done=True)
    assert done.status_code in (200, 204)
    assert client.is_complete(done)
    received = client.server.received(upload_id_of(url))
    assert received["sha256"] == hashlib.sha256(body).hexdigest()


# -- both protocols on one endpoint -------------------------------------------


def test_tus_and_ietf_clients_share_the_endpoint(server, data, tmp_path):
    from tusclient import client as tus_client

    source = tmp_path / "tus.bin"
    source.write_bytes(data)
    uploader = tus_client.TusClient(server.endpoint).uploader(
        str(source), chunk_size=16 * 1024, metadata={"filename": "tus.bin"}
    )
    ietf = Client(server, 8)
    url = ietf.create(headers={"Upload-Length": str(SIZE)}).headers["Location"]
    uploader.upload_chunk()  # the two uploads interleave
    half = SIZE // 2
    assert ietf.append(url, 0, data[:half]).status_code == 204
    uploader.upload()
    assert ietf.append(url, half, data[half:], done=True).status_code in (200, 204)
    tus_id = upload_id_of(uploader.url)
    assert server.received(tus_id)["sha256"] == sha256(str(source))
    assert server.received(upload_id_of(url))["sha256"] == sha256(str(source))
    # Each protocol reads the other's upload in its own words.
    head = requests.head(uploader.url, headers=ietf.headers(), timeout=30)
    assert head.headers["Upload-Complete"] == "?1"
    tus_head = requests.head(url, headers={"Tus-Resumable": "1.0.0"}, timeout=30)
    assert tus_head.headers["Upload-Offset"] == str(SIZE)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and server.app_calls(tus_id) != 1:
        time.sleep(0.05)
    assert server.app_calls(tus_id) == 1


# -- the editors' text of July 2026 (interop 8) ---------------------------------


def test_interop_8_409_says_the_upload_is_incomplete(server):
    client = Client(server, 8)
    url = client.create(b"abc").headers["Location"]
    response = client.append(url, 7, b"def")
    assert response.status_code == 409
    assert response.headers["Upload-Complete"] == "?0"


def test_interop_8_always_sends_upload_limit_with_min_size(server):
    client = Client(server, 8)
    options = client.session.options(
        server.endpoint, headers=client.headers(), timeout=30
    )
    assert limits(options)["min-size"] == 0
    url = client.create(b"abc").headers["Location"]
    assert limits(client.head(url))["min-size"] == 0


def test_interop_8_get_reads_the_offset_like_head(server):
    client = Client(server, 8)
    url = client.create(b"abc").headers["Location"]
    got = client.session.get(url, headers=client.headers(), timeout=30)
    head = client.head(url)
    assert (got.status_code, got.content) == (204, b"")
    for name in ("Upload-Offset", "Upload-Complete", "Cache-Control"):
        assert got.headers[name] == head.headers[name]
    assert limits(got)["min-size"] == 0  # its max-age counts down
