"""creation, creation-with-upload, creation-defer-length and the before_create hook."""

from collective.tusupload.core import Handler
from collective.tusupload.core import HookRefused
from collective.tusupload.core import Hooks

import base64
import pytest


def test_post_creates_upload_with_201_and_location(client, store):
    response = client.request("POST", headers={"Upload-Length": "100"})
    assert response.status == 201
    location = response.headers["Location"]
    upload_id = location.rsplit("/", 1)[1]
    assert location == f"http://example.org/files/{upload_id}"
    assert store.get_info(upload_id).length == 100
    assert response.headers["Upload-Offset"] == "0"


def test_upload_ids_have_128_random_bits(client):
    ids = {client.create(1) for _ in range(5)}
    assert len(ids) == 5
    assert all(len(upload_id) == 32 and int(upload_id, 16) >= 0 for upload_id in ids)


def test_upload_records_principal_and_metadata(client, store):
    upload_id = client.create(1, headers={"Upload-Metadata": "filename w6kudHh0"})
    info = store.get_info(upload_id)
    assert info.principal == "alice"
    assert info.metadata == {"filename": "é.txt"}


def test_anonymous_cannot_create(client, store):
    response = client.request("POST", headers={"Upload-Length": "1"}, principal=None)
    assert response.status == 403
    assert store.list_ids() == []


def test_anonymous_may_create_when_allowed(make_client):
    client = make_client(principal=None, allow_anonymous=True)
    upload_id = client.create(3)
    assert client.patch(upload_id, 0, b"abc").status == 204
    assert client.head(upload_id).headers["Upload-Offset"] == "3"


def test_anonymous_upload_is_hidden_from_a_user(make_client):
    anonymous = make_client(principal=None, allow_anonymous=True)
    upload_id = anonymous.create(3)
    assert (
        make_client(principal="alice", allow_anonymous=True).head(upload_id).status
        == 404
    )


@pytest.mark.parametrize(
    "value", ["-1", "+5", " 5", "5 ", "1e3", "", "0x10", "5.0", "١٢", "1" * 21]
)
def test_bad_upload_length_is_400(client, store, value):
    response = client.request("POST", headers={"Upload-Length": value})
    assert response.status == 400
    assert response.body
    assert store.list_ids() == []


def test_neither_length_nor_defer_is_400(client):
    assert client.request("POST").status == 400


def test_both_length_and_defer_is_400(client):
    response = client.request(
        "POST", headers={"Upload-Length": "5", "Upload-Defer-Length": "1"}
    )
    assert response.status == 400


@pytest.mark.parametrize("value", ["0", "2", "true", " 1", ""])
def test_defer_length_other_than_1_is_400(client, value):
    assert client.request("POST", headers={"Upload-Defer-Length": value}).status == 400


def test_length_over_maximum_is_413_and_creates_nothing(make_client, store):
    client = make_client(max_size=10)
    assert client.request("POST", headers={"Upload-Length": "11"}).status == 413
    assert store.list_ids() == []
    assert client.request("POST", headers={"Upload-Length": "10"}).status == 201


def test_zero_length_upload_is_complete_at_creation(store, clock, client_for):
    finished = []

    class Recorder(Hooks):
        def after_finish(self, request, info, finishing):
            finished.append(info.id)

    client = client_for(Handler(store, clock=clock, hooks=Recorder()))
    upload_id = client.create(0)
    assert finished == [upload_id]
    assert store.get_info(upload_id).finished
    assert client.head(upload_id).headers["Upload-Offset"] == "0"


def test_before_create_may_refuse_with_its_status(store, clock, client_for):
    class Refuser(Hooks):
        def before_create(self, request, info):
            if info.metadata.get("filetype") != "image/png":
                raise HookRefused(415, "only PNG please")

    client = client_for(Handler(store, clock=clock, hooks=Refuser()))
    response = client.request(
        "POST",
        headers={"Upload-Length": "1", "Upload-Metadata": "filetype dGV4dC9wbGFpbg=="},
    )
    assert response.status == 415
    assert response.body == b"only PNG please"
    assert store.list_ids() == []


def test_before_create_runs_before_any_data_byte(store, clock, client_for):
    class Refuser(Hooks):
        def before_create(self, request, info):
            raise HookRefused(403, "no")

    class ExplodingBody:
        def read(self, size=-1):
            raise AssertionError("body read before the hook refused")

    client = client_for(Handler(store, clock=clock, hooks=Refuser()))
    response = client.request(
        "POST",
        body=ExplodingBody(),
        headers={
            "Upload-Length": "3",
            "Content-Type": "application/offset+octet-stream",
        },
        content_length=3,
    )
    assert response.status == 403


def test_before_create_may_store_host_extra(store, clock, client_for):
    class Binder(Hooks):
        def before_create(self, request, info):
            info.extra["container"] = "/plone/folder"

    client = client_for(Handler(store, clock=clock, hooks=Binder()))
    upload_id = client.create(1)
    assert store.get_info(upload_id).extra == {"container": "/plone/folder"}


# -- creation-with-upload ------------------------------------------------------


def creation_with_upload(client, body, length, **headers):
    all_headers = {
        "Upload-Length": str(length),
        "Content-Type": "application/offset+octet-stream",
    }
    all_headers.update(headers)
    return client.request("POST", body=body, headers=all_headers)


def test_creation_with_upload_writes_first_chunk(client, store):
    response = creation_with_upload(client, b"hello", 10)
    assert response.status == 201
    assert response.headers["Upload-Offset"] == "5"
    upload_id = response.headers["Location"].rsplit("/", 1)[1]
    with store.open_data(upload_id) as data:
        assert data.read() == b"hello"


def test_creation_with_whole_upload_finishes(client, store):
    response = creation_with_upload(client, b"hello", 5)
    upload_id = response.headers["Location"].rsplit("/", 1)[1]
    assert response.headers["Upload-Offset"] == "5"
    assert store.get_info(upload_id).finished


def test_creation_with_upload_ignores_body_of_other_content_type(client, store):
    response = client.request(
        "POST",
        body=b"hello",
        headers={"Upload-Length": "5", "Content-Type": "text/plain"},
    )
    assert response.status == 201
    assert response.headers["Upload-Offset"] == "0"


def test_creation_with_upload_past_length_is_413_and_creates_nothing(client, store):
    assert creation_with_upload(client, b"hello!", 5).status == 413
    assert store.list_ids() == []


def test_creation_with_upload_checksum_mismatch_keeps_empty_upload(client, store):
    wrong = base64.b64encode(b"\0" * 20).decode()
    response = creation_with_upload(
        client, b"hello", 5, **{"Upload-Checksum": f"sha1 {wrong}"}
    )
    assert response.status == 460
    upload_id = response.headers["Location"].rsplit("/", 1)[1]
    assert store.get_info(upload_id).offset == 0
    assert client.head(upload_id).headers["Upload-Offset"] == "0"


def test_creation_with_upload_and_defer_length(client):
    response = client.request(
        "POST",
        body=b"abc",
        headers={
            "Upload-Defer-Length": "1",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status == 201
    assert response.headers["Upload-Offset"] == "3"


# -- creation-defer-length -----------------------------------------------------


def test_deferred_upload_reports_defer_length_on_head(client):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    response = client.head(upload_id)
    assert response.headers["Upload-Defer-Length"] == "1"
    assert "Upload-Length" not in response.headers


def test_deferred_length_is_set_by_a_later_patch(client):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    assert client.patch(upload_id, 0, b"abc").status == 204
    response = client.patch(upload_id, 3, b"de", headers={"Upload-Length": "5"})
    assert response.status == 204
    head = client.head(upload_id)
    assert head.headers["Upload-Length"] == "5"
    assert "Upload-Defer-Length" not in head.headers


def test_deferred_length_may_not_change_once_set(client):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    client.patch(upload_id, 0, b"abc", headers={"Upload-Length": "10"})
    response = client.patch(upload_id, 3, b"de", headers={"Upload-Length": "11"})
    assert response.status == 400
    assert client.head(upload_id).headers["Upload-Offset"] == "3"


def test_repeating_the_same_length_is_accepted(client):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    client.patch(upload_id, 0, b"abc", headers={"Upload-Length": "5"})
    assert (
        client.patch(upload_id, 3, b"de", headers={"Upload-Length": "5"}).status == 204
    )


def test_deferred_length_below_offset_is_400(client):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    client.patch(upload_id, 0, b"abcd")
    assert client.patch(upload_id, 4, b"", headers={"Upload-Length": "3"}).status == 400


def test_deferred_length_over_maximum_is_413(make_client):
    client = make_client(max_size=10)
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    assert (
        client.patch(upload_id, 0, b"a", headers={"Upload-Length": "11"}).status == 413
    )


def test_deferred_upload_data_over_maximum_is_413(make_client, store):
    client = make_client(max_size=4)
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    assert client.patch(upload_id, 0, b"abcde").status == 413
    assert store.get_info(upload_id).offset == 0


def test_setting_deferred_length_equal_to_offset_finishes(client, store):
    upload_id = client.create(headers={"Upload-Defer-Length": "1"})
    client.patch(upload_id, 0, b"abc")
    assert client.patch(upload_id, 3, b"", headers={"Upload-Length": "3"}).status == 204
    assert store.get_info(upload_id).finished
