"""Appending in every interop version of the IETF draft."""

from collective.tusupload.core import Handler
from helpers.core_client import upload_id_in

import base64
import hashlib
import json


def created(ietf, length=6):
    return upload_id_in(ietf.create(headers={"Upload-Length": str(length)}))


def test_appends_then_the_completing_append(ietf, store):
    upload_id = created(ietf)
    first = ietf.append(upload_id, 0, b"abc")
    assert first.status == 204
    assert first.headers["Upload-Offset"] == "3"
    assert not ietf.says_complete(first)
    last = ietf.append(upload_id, 3, b"def", done=True)
    assert last.status == 204
    assert last.headers["Upload-Offset"] == "6"
    assert ietf.says_complete(last)
    assert store.get_info(upload_id).finished


def test_the_append_media_type(ietf, interop):
    upload_id = created(ietf)
    response = ietf.append(
        upload_id, 0, b"abc", headers={"Content-Type": "application/octet-stream"}
    )
    if interop.append_media_type is None:
        assert response.status == 204
    else:
        assert response.status == 415
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_mismatching_offset_is_409_with_both_offsets(ietf, interop):
    upload_id = created(ietf)
    ietf.append(upload_id, 0, b"ab")
    response = ietf.append(upload_id, 1, b"cd")
    assert response.status == 409
    assert response.headers["Upload-Offset"] == "2"
    problem = json.loads(response.body)
    assert problem["type"].endswith("#mismatching-upload-offset")
    assert (problem["expected-offset"], problem["provided-offset"]) == (2, 1)
    if interop.state_on_conflict:
        # The July 2026 text of interop 8: the 409 says the upload is incomplete.
        assert response.headers["Upload-Complete"] == "?0"
    else:
        assert ietf.complete_field not in response.headers


def test_a_409_of_a_finished_upload_says_it_is_complete(client, ietf_for):
    ietf = ietf_for(client, 8)
    upload_id = created(ietf, 3)
    ietf.append(upload_id, 0, b"abc", done=True)
    response = ietf.append(upload_id, 0, b"xy")  # not the end: not a replay
    assert response.status == 409
    assert response.headers["Upload-Complete"] == "?1"


def test_the_last_append_again_gets_the_finished_reply(ietf, store):
    upload_id = created(ietf, 3)
    ietf.append(upload_id, 0, b"abc", done=True)
    again = ietf.append(upload_id, 0, b"abc", done=True)
    assert again.status == 204
    assert again.headers["Upload-Offset"] == "3"
    assert ietf.says_complete(again)


def test_a_wrong_content_digest_keeps_nothing(client, ietf_for, store):
    ietf = ietf_for(client, 8)
    upload_id = created(ietf)
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    response = ietf.append(
        upload_id, 0, b"abc", headers={"Content-Digest": f"sha-256=:{wrong}:"}
    )
    assert response.status == 400
    assert store.get_info(upload_id).offset == 0


def test_more_than_max_append_size_is_413_with_the_limit(
    store, clock, client_for, ietf_for
):
    client = client_for(Handler(store, clock=clock, max_append_size=4))
    for version in (6, 7, 8):
        ietf = ietf_for(client, version)
        upload_id = created(ietf, 10)
        response = ietf.append(upload_id, 0, b"abcdef")
        assert response.status == 413
        assert "max-append-size=4" in response.headers["Upload-Limit"]


def test_cancellation_removes_the_upload(ietf):
    upload_id = created(ietf)
    assert ietf.request("DELETE", upload_id).status == 204
    assert ietf.request("HEAD", upload_id).status == 404
