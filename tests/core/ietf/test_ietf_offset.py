"""Offset retrieval in every interop version of the IETF draft: HEAD, and GET."""

from helpers.core_client import upload_id_in


def started(ietf):
    upload_id = upload_id_in(ietf.create(headers={"Upload-Length": "6"}))
    ietf.append(upload_id, 0, b"abc")
    return upload_id


def test_head_reports_the_offset_and_changes_nothing(ietf, interop, store):
    upload_id = started(ietf)
    before = store.get_info(upload_id)
    response = ietf.request("HEAD", upload_id)
    assert response.status == 204
    assert response.body == b""
    assert response.headers["Upload-Offset"] == "3"
    assert response.headers["Cache-Control"] == "no-store"
    assert not ietf.says_complete(response)
    assert ("Upload-Length" in response.headers) == interop.upload_length
    assert ("Upload-Limit" in response.headers) == interop.limit_everywhere
    assert store.get_info(upload_id) == before


def test_get_reads_the_offset_where_the_version_says_so(ietf, interop, store):
    upload_id = started(ietf)
    before = store.get_info(upload_id)
    response = ietf.request("GET", upload_id)
    if interop.offset_by_get:
        head = ietf.request("HEAD", upload_id)
        assert (response.status, response.body) == (204, b"")
        assert response.headers == head.headers
    else:
        assert response.status == 405
        assert "GET" not in response.headers["Allow"]
    assert store.get_info(upload_id) == before


def test_upload_limit_on_head_says_min_size_in_interop_8(client, ietf_for):
    ietf = ietf_for(client, 8)
    upload_id = started(ietf)
    limit = ietf.request("HEAD", upload_id).headers["Upload-Limit"]
    assert limit.startswith("min-size=0, max-age=")


def test_an_unknown_upload_is_404(ietf):
    assert ietf.request("HEAD", "0" * 32).status == 404
