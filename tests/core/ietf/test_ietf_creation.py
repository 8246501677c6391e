"""Upload creation in every interop version of the IETF draft."""

from collective.tusupload.core import Handler
from collective.tusupload.core import Hooks
from helpers.core_client import upload_id_in

import base64
import hashlib


class Keep(Hooks):
    """A host that takes each upload and says where it put it."""

    def after_finish(self, request, info, finish):
        return {"url": f"https://example.org/items/{info.id}"}


def test_an_empty_creation_makes_an_incomplete_upload(ietf, interop, store):
    response = ietf.create(headers={"Upload-Length": "6"})
    assert response.status == 201
    assert response.headers["Location"].startswith("http://example.org/files/")
    assert response.headers["Upload-Offset"] == "0"
    assert not ietf.says_complete(response)
    assert ("Upload-Length" in response.headers) == interop.upload_length
    assert ("Upload-Limit" in response.headers) == interop.limit_everywhere
    info = store.get_info(upload_id_in(response))
    assert (info.length, info.offset) == (6, 0)


def test_a_creation_with_all_bytes_finishes(ietf, store, clock, client_for, ietf_for):
    client = ietf_for(
        client_for(Handler(store, clock=clock, hooks=Keep())), ietf.version
    )
    response = client.create(b"abcdef", done=True)
    assert response.status == 201
    upload_id = upload_id_in(response)
    assert client.says_complete(response)
    assert response.headers["Upload-Offset"] == "6"
    assert response.headers["Content-Location"].endswith(upload_id)
    assert store.get_info(upload_id).finished


def test_a_creation_with_some_bytes_stores_them(ietf):
    response = ietf.create(b"abc", headers={"Upload-Length": "6"})
    assert response.status == 201
    assert response.headers["Upload-Offset"] == "3"
    assert not ietf.says_complete(response)


def test_the_representation_metadata_becomes_the_uploads_metadata(client, ietf_for):
    response = ietf_for(client, 8).create(
        b"abc",
        headers={
            "Content-Type": "text/plain",
            "Content-Disposition": 'attachment; filename="notes.txt"',
            "Upload-Length": "6",
        },
    )
    info = client.handler.store.get_info(upload_id_in(response))
    assert info.metadata == {"content-type": "text/plain", "filename": "notes.txt"}


def test_lengths_that_disagree_are_refused(client, ietf_for):
    response = ietf_for(client, 8).create(
        b"abc", done=True, headers={"Upload-Length": "5"}
    )
    assert response.status == 400
    assert "inconsistent-upload-length" in response.body.decode()


def test_a_wrong_repr_digest_refuses_the_last_chunk(client, ietf_for):
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    ietf = ietf_for(client, 8)
    created = ietf.create(
        b"abc", headers={"Upload-Length": "6", "Repr-Digest": f"sha-256=:{wrong}:"}
    )
    upload_id = upload_id_in(created)
    response = ietf.append(upload_id, 3, b"def", done=True)
    assert response.status == 400
    assert client.handler.store.get_info(upload_id).offset == 3
