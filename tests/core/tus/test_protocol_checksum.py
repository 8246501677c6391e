"""checksum extension: all-or-nothing chunks."""

import base64
import hashlib
import pytest


def digest(algorithm, payload):
    return base64.b64encode(hashlib.new(algorithm, payload).digest()).decode()


def data_of(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


@pytest.fixture
def half_done(client):
    upload_id = client.create(6)
    client.patch(upload_id, 0, b"abc")
    return upload_id


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_matching_checksum_is_accepted(client, store, half_done, algorithm):
    header = f"{algorithm} {digest(algorithm, b'def')}"
    response = client.patch(half_done, 3, b"def", headers={"Upload-Checksum": header})
    assert response.status == 204
    assert data_of(store, half_done) == b"abcdef"


def assert_unchanged(client, store, upload_id):
    assert data_of(store, upload_id) == b"abc"
    assert store.get_info(upload_id).offset == 3
    assert client.head(upload_id).headers["Upload-Offset"] == "3"


def test_mismatch_is_460_and_leaves_upload_as_before(client, store, half_done):
    header = f"sha1 {digest('sha1', b'xyz')}"
    response = client.patch(half_done, 3, b"def", headers={"Upload-Checksum": header})
    assert response.status == 460
    assert_unchanged(client, store, half_done)


def test_upload_continues_after_a_460(client, store, half_done):
    client.patch(
        half_done,
        3,
        b"def",
        headers={"Upload-Checksum": f"sha1 {digest('sha1', b'xyz')}"},
    )
    assert client.patch(half_done, 3, b"def").status == 204
    assert data_of(store, half_done) == b"abcdef"


@pytest.mark.parametrize(
    "header",
    [
        "crc32 AAAAAA==",
        "SHA1 " + base64.b64encode(b"\0" * 20).decode(),
        "sha1",
        "sha1  " + base64.b64encode(b"\0" * 20).decode(),
        "sha1 not*base64",
        "sha1 " + base64.b64encode(b"\0" * 20).decode().rstrip("="),
        "sha1 " + base64.b64encode(b"\0" * 19).decode(),
        "sha1 " + base64.b64encode(b"\0" * 20).decode() + " extra",
    ],
)
def test_malformed_or_unknown_checksum_is_400_and_leaves_upload_as_before(
    client, store, half_done, header
):
    response = client.patch(half_done, 3, b"def", headers={"Upload-Checksum": header})
    assert response.status == 400
    assert_unchanged(client, store, half_done)


def test_disconnect_with_checksum_discards_the_partial_chunk(client, store, half_done):
    class Dropping:
        sent = False

        def read(self, size=-1):
            if self.sent:
                raise OSError("connection reset")
            self.sent = True
            return b"d"

    header = f"sha1 {digest('sha1', b'def')}"
    response = client.patch(
        half_done, 3, Dropping(), headers={"Upload-Checksum": header}, content_length=3
    )
    assert response.status == 460
    assert_unchanged(client, store, half_done)


def test_checksum_restricted_to_configured_algorithms(make_client):
    client = make_client(checksum_algorithms=("sha256",))
    upload_id = client.create(3)
    response = client.patch(
        upload_id,
        0,
        b"abc",
        headers={"Upload-Checksum": f"sha1 {digest('sha1', b'abc')}"},
    )
    assert response.status == 400
    assert client.request("OPTIONS").headers["Tus-Checksum-Algorithm"] == "sha256"


def test_checksum_mismatch_on_final_chunk_does_not_finish(client, store):
    upload_id = client.create(3)
    response = client.patch(
        upload_id,
        0,
        b"abc",
        headers={"Upload-Checksum": f"md5 {digest('md5', b'abd')}"},
    )
    assert response.status == 460
    info = store.get_info(upload_id)
    assert (info.offset, info.finished) == (0, False)
