"""concatenation and concatenation-unfinished."""

from collective.tusupload.core import Handler
from collective.tusupload.core import Hooks
from helpers.memory_store import BareMemoryStore

import pytest


BASE = "http://example.org/files"


def data_of(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


def partial(client, payload, *, complete=True):
    upload_id = client.create(len(payload), headers={"Upload-Concat": "partial"})
    if complete:
        assert client.patch(upload_id, 0, payload).status == 204
    return upload_id


def create_final(client, *urls, **headers):
    all_headers = {"Upload-Concat": "final;" + " ".join(urls)}
    all_headers.update(headers)
    return client.request("POST", headers=all_headers)


def test_final_concatenates_complete_partials(client, store):
    first, second = partial(client, b"hello "), partial(client, b"world")
    response = create_final(client, f"{BASE}/{first}", f"{BASE}/{second}")
    assert response.status == 201
    final_id = response.headers["Location"].rsplit("/", 1)[1]
    assert data_of(store, final_id) == b"hello world"
    head = client.head(final_id)
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == "11"
    assert store.get_info(final_id).finished


def test_final_accepts_relative_urls(client, store):
    first = partial(client, b"ab")
    response = create_final(client, f"/files/{first}", f"/files/{first}")
    final_id = response.headers["Location"].rsplit("/", 1)[1]
    assert data_of(store, final_id) == b"abab"


def test_head_echoes_upload_concat(client):
    first = partial(client, b"ab")
    assert client.head(first).headers["Upload-Concat"] == "partial"
    final_id = (
        create_final(client, f"{BASE}/{first}").headers["Location"].rsplit("/", 1)[1]
    )
    assert client.head(final_id).headers["Upload-Concat"] == f"final;{BASE}/{first}"


def test_partial_completion_does_not_call_after_finish(store, clock, client_for):
    finished = []

    class Recorder(Hooks):
        def after_finish(self, request, info, finishing):
            finished.append(info.is_final)

    client = client_for(Handler(store, clock=clock, hooks=Recorder()))
    first = partial(client, b"ab")
    assert finished == []
    create_final(client, f"{BASE}/{first}")
    assert finished == [True]


def test_patch_on_final_is_403_and_changes_nothing(client, store):
    first = partial(client, b"ab", complete=False)
    final_id = (
        create_final(client, f"{BASE}/{first}").headers["Location"].rsplit("/", 1)[1]
    )
    assert client.patch(final_id, 0, b"ab").status == 403
    assert data_of(store, final_id) == b""
    assert data_of(store, first) == b""


def test_final_with_upload_length_is_400(client):
    first = partial(client, b"ab")
    assert (
        create_final(client, f"{BASE}/{first}", **{"Upload-Length": "2"}).status == 400
    )


def test_final_with_body_is_403(client):
    first = partial(client, b"ab")
    response = client.request(
        "POST",
        body=b"xx",
        headers={
            "Upload-Concat": f"final;{BASE}/{first}",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status == 403


def test_final_over_maximum_is_413(make_client):
    client = make_client(max_size=3)
    first = partial(client, b"ab")
    assert create_final(client, f"{BASE}/{first}", f"{BASE}/{first}").status == 413


@pytest.mark.parametrize(
    "url_template",
    [
        "http://evil.example/files/{id}",
        "https://example.org/files/{id}",
        "http://example.org/other/{id}",
        "http://example.org/files/../files/{id}",
        "http://example.org/files/x/../{id}",
        "http://example.org/files/{id}?x=1",
        "http://example.org/files/{id}#frag",
        "http://example.org/files/{id}/",
        "http://example.org/files/{upper}",
        "http://example.org/files/%2e%2e%2f{id}",
        "/files/../../etc/passwd",
        "{id}",
        "",
    ],
)
def test_path_tricks_in_concat_urls_are_400(client, store, url_template):
    first = partial(client, b"ab")
    url = url_template.format(id=first, upper=first.upper())
    response = client.request("POST", headers={"Upload-Concat": f"final;{url}"})
    assert response.status == 400
    assert store.list_ids() == [first]


@pytest.mark.parametrize(
    "value", ["final", "final;", "partial;x", "Partial", "other", "final:x"]
)
def test_malformed_upload_concat_is_400(client, value):
    response = client.request(
        "POST", headers={"Upload-Concat": value, "Upload-Length": "1"}
    )
    assert response.status == 400


def test_unknown_partial_is_400(client):
    assert create_final(client, f"{BASE}/{'0' * 32}").status == 400


def test_concatenating_someone_elses_partial_is_refused_like_unknown(
    client, make_client
):
    theirs = partial(make_client(principal="mallory"), b"secret")
    response = create_final(client, f"{BASE}/{theirs}")
    assert response.status == 400
    assert response.body == create_final(client, f"{BASE}/{'0' * 32}").body


def test_concatenating_a_non_partial_is_400(client):
    plain = client.create(2)
    assert create_final(client, f"{BASE}/{plain}").status == 400


def test_concatenating_a_final_is_400(client):
    first = partial(client, b"ab")
    final_id = (
        create_final(client, f"{BASE}/{first}").headers["Location"].rsplit("/", 1)[1]
    )
    assert create_final(client, f"{BASE}/{final_id}").status == 400


def test_unfinished_final_is_assembled_once_partials_complete(client, store):
    first = partial(client, b"hello ", complete=False)
    second = partial(client, b"world", complete=False)
    response = create_final(client, f"{BASE}/{first}", f"{BASE}/{second}")
    assert response.status == 201
    final_id = response.headers["Location"].rsplit("/", 1)[1]
    head = client.head(final_id)
    assert "Upload-Offset" not in head.headers
    assert head.headers["Upload-Length"] == "11"
    client.patch(first, 0, b"hello ")
    client.patch(second, 0, b"world")
    head = client.head(final_id)
    assert head.headers["Upload-Offset"] == "11"
    assert data_of(store, final_id) == b"hello world"
    assert data_of(store, first) == b"hello "


def test_unfinished_final_with_deferred_partial_has_no_length_yet(client, store):
    first = client.create(
        headers={"Upload-Concat": "partial", "Upload-Defer-Length": "1"}
    )
    final_id = (
        create_final(client, f"{BASE}/{first}").headers["Location"].rsplit("/", 1)[1]
    )
    head = client.head(final_id)
    assert "Upload-Length" not in head.headers
    assert "Upload-Defer-Length" not in head.headers
    client.patch(first, 0, b"abc", headers={"Upload-Length": "3"})
    head = client.head(final_id)
    assert head.headers["Upload-Length"] == head.headers["Upload-Offset"] == "3"
    assert data_of(store, final_id) == b"abc"


def test_concatenation_not_supported_by_store_is_400(tmp_path, client_for):
    client = client_for(Handler(BareMemoryStore()))
    response = client.request(
        "POST", headers={"Upload-Concat": "partial", "Upload-Length": "1"}
    )
    assert response.status == 400


def test_parts_with_a_layout_hint_join_right_on_every_store(client, store):
    """The concat-layout hint places parts where a store can; the bytes are
    the same either way."""
    from collective.tusupload.core.joins import LAYOUT_KEY
    from collective.tusupload.core.metadata import format_metadata

    sizes = [8192, 4096, 10]
    hint = " ".join(["0123456789abcdef0123456789abcdef", *map(str, sizes)])
    headers = {
        "Upload-Concat": "partial",
        "Upload-Metadata": format_metadata({LAYOUT_KEY: hint}),
    }
    payload = bytes(range(256)) * 48 + b"0123456789"
    ids, start = [], 0
    for size in sizes:
        upload_id = client.create(size, headers=headers)
        assert client.patch(upload_id, 0, payload[start : start + size]).status == 204
        ids.append(upload_id)
        start += size
    response = create_final(client, *(f"{BASE}/{upload_id}" for upload_id in ids))
    assert response.status == 201
    final_id = response.headers["Location"].rsplit("/", 1)[1]
    assert data_of(store, final_id) == payload
    assert client.head(final_id).headers["Upload-Offset"] == str(len(payload))
