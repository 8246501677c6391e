"""OPTIONS in every interop version of the IETF draft, and unknown versions."""

from collective.tusupload.core import Handler

import http_sf
import json


def limits(response) -> dict:
    parsed = http_sf.parse(
        response.headers["Upload-Limit"].encode(), tltype="dictionary"
    )
    return {key: value for key, (value, _) in parsed.items()}


def test_options_announce_partial_uploads_and_limits(ietf, interop):
    response = ietf.request("OPTIONS")
    assert response.status == 204
    assert "application/partial-upload" in response.headers["Accept-Patch"]
    if not interop.upload_limit:
        assert "Upload-Limit" not in response.headers
        return
    announced = limits(response)
    assert announced[interop.age_key] == 86400
    assert ("min-size" in announced) == interop.limit_always


def test_interop_8_always_sends_upload_limit_with_min_size(
    store, clock, client_for, ietf_for
):
    unlimited = client_for(Handler(store, clock=clock, expiry=None))
    for version in (6, 7, 8):
        response = ietf_for(unlimited, version).request("OPTIONS")
        if version == 8:
            assert limits(response) == {"min-size": 0}
        else:
            assert "Upload-Limit" not in response.headers


def test_allow_names_get_where_it_reads_the_offset(ietf, interop):
    allowed = ietf.request("OPTIONS").headers["Allow"].split(", ")
    assert ("GET" in allowed) == interop.offset_by_get
    assert {"HEAD", "POST", "PATCH", "DELETE", "OPTIONS"} <= set(allowed)


def test_an_unknown_version_is_400_in_problem_json(client, ietf_for):
    for version in (2, 9):
        response = ietf_for(client, version).create()
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "3, 4, 5, 6, 7, 8" in json.loads(response.body)["detail"]


def test_a_version_that_is_not_an_integer_is_400(client):
    response = client.request(
        "POST",
        headers={"Upload-Draft-Interop-Version": "eight", "Upload-Complete": "?0"},
        tus_version=None,
    )
    assert response.status == 400
