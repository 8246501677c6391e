"""Core protocol: versions, OPTIONS, HEAD, method override, ownership, expiry."""

from collective.tusupload.core import Handler
from collective.tusupload.core import TusRequest
from helpers.memory_store import BareMemoryStore

import pytest


def test_options_answers_204_with_version_and_extensions(client):
    response = client.request("OPTIONS", tus_version=None)
    assert response.status == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"].split(",") == [
        "creation",
        "creation-with-upload",
        "creation-defer-length",
        "expiration",
        "checksum",
        "termination",
        "concatenation",
        "concatenation-unfinished",
    ]


def test_options_never_advertises_checksum_trailer(client):
    response = client.request("OPTIONS")
    assert "checksum-trailer" not in response.headers["Tus-Extension"]


def test_options_advertises_checksum_algorithms(client):
    response = client.request("OPTIONS")
    assert response.headers["Tus-Checksum-Algorithm"] == "md5,sha1,sha256,sha512"


def test_options_advertises_max_size_only_when_configured(client, make_client):
    assert "Tus-Max-Size" not in client.request("OPTIONS").headers
    limited = make_client(max_size=1000)
    assert limited.request("OPTIONS").headers["Tus-Max-Size"] == "1000"


def test_extensions_follow_store_capabilities(tmp_path):
    handler = Handler(BareMemoryStore(), expiry=None, checksum_algorithms=())
    assert handler.tus.extensions == ["creation", "creation-with-upload"]


def test_store_without_termination_refuses_delete(tmp_path, client_for):
    client = client_for(Handler(BareMemoryStore()))
    upload_id = client.create(3)
    assert client.request("DELETE", upload_id).status == 405


@pytest.mark.parametrize("version", [None, "0.2.2", "1.0", "1.0.0 "])
def test_wrong_or_missing_version_gets_412_with_tus_version(client, version):
    response = client.request(
        "POST", headers={"Upload-Length": "5"}, tus_version=version
    )
    assert response.status == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_412_creates_nothing(client, store):
    client.request("POST", headers={"Upload-Length": "5"}, tus_version="0.2.2")
    assert store.list_ids() == []


def test_head_reports_offset_length_and_no_store(client):
    upload_id = client.create(10)
    client.patch(upload_id, 0, b"abcd")
    response = client.head(upload_id)
    assert response.status == 200
    assert response.headers["Upload-Offset"] == "4"
    assert response.headers["Upload-Length"] == "10"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_head_reencodes_metadata(client):
    upload_id = client.create(
        1, headers={"Upload-Metadata": "filename YS50eHQ=,secret"}
    )
    response = client.head(upload_id)
    assert response.headers["Upload-Metadata"] == "filename YS50eHQ=,secret"


def test_head_without_metadata_has_no_metadata_header(client):
    upload_id = client.create(1)
    assert "Upload-Metadata" not in client.head(upload_id).headers


def test_head_of_unknown_upload_is_404_without_offset(client):
    response = client.head("0" * 32)
    assert response.status == 404
    assert "Upload-Offset" not in response.headers
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "bad_id",
    [
        "../etc/passwd",
        "..",
        "",
        "ABCDEF" * 6,
        "0" * 31,
        "0" * 33 + "/",
        "0" * 32 + ".info",
        "%2e%2e",
        "0" * 32 + "\x00",
    ],
)
def test_malformed_upload_id_is_404(client, bad_id):
    response = client.head(bad_id)
    assert response.status == 404


def test_upload_of_another_principal_looks_unknown(client, make_client):
    upload_id = client.create(5)
    mallory = make_client(principal="mallory")
    assert mallory.head(upload_id).status == 404
    assert mallory.patch(upload_id, 0, b"x").status == 404
    assert mallory.request("DELETE", upload_id).status == 404
    assert client.head(upload_id).status == 200


def test_hook_may_access_hides_upload(store, clock, client_for):
    from collective.tusupload.core import Hooks

    class ContainerHooks(Hooks):
        def may_access(self, request, info):
            return request.context == "folder-a"

    client = client_for(Handler(store, clock=clock, hooks=ContainerHooks()))
    upload_id = client.create(5)
    request = TusRequest(
        "HEAD",
        {"Tus-Resumable": "1.0.0"},
        None,
        upload_id,
        "http://x/files",
        "alice",
        context="folder-b",
    )
    assert client.handler.handle(request).status == 404
    request.context = "folder-a"
    assert client.handler.handle(request).status == 200


def test_expired_upload_answers_410_before_any_sweep(client, clock):
    upload_id = client.create(5)
    clock.now += 86400 + 1
    assert client.head(upload_id).status == 410
    assert client.patch(upload_id, 0, b"x").status == 410


def test_upload_expires_is_an_http_date_on_post_patch_head(client, clock):
    response = client.request("POST", headers={"Upload-Length": "5"})
    expected = "Wed, 15 Nov 2023 22:13:20 GMT"  # clock start + 1 day
    assert response.headers["Upload-Expires"] == expected
    upload_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.patch(upload_id, 0, b"ab").headers["Upload-Expires"] == expected
    assert client.head(upload_id).headers["Upload-Expires"] == expected


def test_finished_upload_has_no_upload_expires(client):
    upload_id = client.create(2)
    response = client.patch(upload_id, 0, b"ab")
    assert "Upload-Expires" not in response.headers
    assert "Upload-Expires" not in client.head(upload_id).headers


def test_no_expiry_means_no_upload_expires(make_client):
    client = make_client(expiry=None)
    response = client.request("POST", headers={"Upload-Length": "5"})
    assert "Upload-Expires" not in response.headers
    assert "expiration" not in client.handler.tus.extensions


def test_method_override_replaces_method(client):
    upload_id = client.create(5)
    response = client.request(
        "POST", upload_id, headers={"X-HTTP-Method-Override": "HEAD"}
    )
    assert response.status == 200
    assert response.headers["Upload-Offset"] == "0"


def test_method_override_to_patch_writes(client):
    upload_id = client.create(3)
    response = client.request(
        "POST",
        upload_id,
        body=b"abc",
        headers={
            "X-HTTP-Method-Override": "PATCH",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
    )
    assert response.status == 204
    assert response.headers["Upload-Offset"] == "3"


def test_unknown_method_is_405(client):
    response = client.request("PUT")
    assert response.status == 405
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_headers_are_case_insensitive(client):
    response = client.request("POST", headers={"upload-length": "3"}, tus_version=None)
    assert response.status == 412
    response = client.request(
        "POST",
        headers={"upload-length": "3", "tus-resumable": "1.0.0"},
        tus_version=None,
    )
    assert response.status == 201


def test_head_and_patch_on_collection_url_are_405(client):
    assert client.head(None).status == 405
    assert client.patch(None, 0, b"x").status == 405


def test_post_on_upload_url_is_405(client):
    upload_id = client.create(3)
    assert (
        client.request("POST", upload_id, headers={"Upload-Length": "3"}).status == 405
    )


def test_per_verb_methods_check_the_version_too(handler):
    request = TusRequest("HEAD", {}, None, "0" * 32, "http://x/files", "alice")
    assert handler.tus.head(request).status == 412


def test_every_response_carries_tus_resumable(client):
    upload_id = client.create(3)
    responses = [
        client.request("OPTIONS"),
        client.head(upload_id),
        client.patch(upload_id, 1, b"x"),
        client.patch(upload_id, 0, b"abc"),
        client.request("DELETE", upload_id),
        client.head(upload_id),
    ]
    assert [r.headers["Tus-Resumable"] for r in responses] == ["1.0.0"] * 6


def test_unexpected_exceptions_propagate(store, clock, client_for):
    from collective.tusupload.core import Hooks

    class ConflictError(Exception):
        pass

    class RaisingHooks(Hooks):
        def after_finish(self, request, info, finishing):
            raise ConflictError()

    client = client_for(Handler(store, clock=clock, hooks=RaisingHooks()))
    upload_id = client.create(1)
    with pytest.raises(ConflictError):
        client.patch(upload_id, 0, b"x")
