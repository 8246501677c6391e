"""Zope2RequestAdapter, exercised with a fake Zope request (no Zope needed)."""

from collective.tusupload.adapters.zope import Zope2RequestAdapter
from collective.tusupload.core.protocol import TusResponse
from helpers.zope_request import FakeRequest
from helpers.zope_request import FakeUser

import io


def test_request_facts():
    request = FakeRequest(
        "http://nohost/plone/@tus-upload/0123abcd",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        body=b"hello",
        user=FakeUser("jane"),
    )
    tus_request = Zope2RequestAdapter(request).tus_request(context="ctx")
    assert tus_request.method == "PATCH"
    assert tus_request.upload_id == "0123abcd"
    assert tus_request.base_url == "http://nohost/plone/@tus-upload"
    assert tus_request.principal == "jane"
    assert tus_request.content_length == 5
    assert tus_request.context == "ctx"
    assert dict(tus_request.headers.items())["Upload-Offset"] == "0"
    assert tus_request.headers["upload-offset"] == "0"


def test_body_is_rewound_and_limited():
    request = FakeRequest("http://nohost/files/abc", body=b"hello world")
    request.other["BODYFILE"].read()  # Zope already read it once
    request._environ["CONTENT_LENGTH"] = "5"
    body = Zope2RequestAdapter(request).tus_request().body
    assert body.read(100) == b"hello"
    assert body.read(100) == b""


def test_stdin_is_used_without_bodyfile():
    request = FakeRequest("http://nohost/files/abc", body=b"data")
    del request.other["BODYFILE"]
    request.stdin = io.BytesIO(b"data")
    assert Zope2RequestAdapter(request).tus_request().body.read(10) == b"data"


def test_method_falls_back_to_request_method():
    request = FakeRequest("http://nohost/files", method="POST")
    request.method = None
    adapter = Zope2RequestAdapter(request)
    assert adapter.method == "POST"
    assert adapter.tus_request().upload_id is None


def test_anonymous_has_no_principal():
    assert (
        Zope2RequestAdapter(
            FakeRequest("http://nohost/files/x", user=FakeUser(None))
        ).principal
        is None
    )
    assert Zope2RequestAdapter(FakeRequest("http://nohost/files/x")).principal is None


def test_headers_without_environ_fall_back_to_tus_names():
    request = FakeRequest(
        "http://nohost/files/x",
        headers={"Tus-Resumable": "1.0.0"},
        environ_name="unused",
    )
    headers = dict(Zope2RequestAdapter(request).headers.items())
    assert headers == {"Tus-Resumable": "1.0.0"}


def test_apply_response_fills_in_the_zope_response():
    request = FakeRequest("http://nohost/files/x")
    body = Zope2RequestAdapter(request).apply_response(
        TusResponse(status=409, headers={"Tus-Resumable": "1.0.0"}, body=b"offset")
    )
    assert body == b"offset"
    assert request.response.status == 409
    assert request.response.headers["Tus-Resumable"] == "1.0.0"
    assert request.response.headers["Content-Type"].startswith("text/plain")


def test_set_request_body_sets_file_as_the_original_did():
    request = FakeRequest("http://nohost/files/x")
    Zope2RequestAdapter(request).set_request_body("/tmp/path")
    assert request._file.read() == b"/tmp/path"
