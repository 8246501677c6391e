"""WebobAdapter: WebOb request -> TusRequest, TusResponse -> WebOb response."""

from collective.tusupload.adapters.webob import to_webob_response
from collective.tusupload.adapters.webob import WebobAdapter
from collective.tusupload.core.protocol import TusResponse

import io
import pytest


webob = pytest.importorskip("webob")


class CountingInput(io.BytesIO):
    """A wsgi.input that records how much was asked of it at once."""

    largest_read = 0

    def read(self, size=-1):
        self.largest_read = max(
            self.largest_read, size if size is not None and size >= 0 else 1 << 62
        )
        return super().read(size)


def make_request(path, method="PATCH", body=b"", **headers):
    request = webob.Request.blank(path, method=method, headers=headers)
    request.environ["wsgi.input"] = CountingInput(body)
    request.content_length = len(body)
    return request


def test_post_goes_to_the_collection():
    adapter = WebobAdapter(make_request("/files/", method="POST"))
    tus_request = adapter.tus_request()
    assert tus_request.upload_id is None
    assert tus_request.base_url == "http://localhost/files"


def test_other_verbs_address_the_last_segment():
    tus_request = WebobAdapter(
        make_request("/files/abc123", method="HEAD")
    ).tus_request()
    assert tus_request.upload_id == "abc123"
    assert tus_request.base_url == "http://localhost/files"


def test_method_override_is_followed_when_deriving_the_upload_id():
    request = make_request(
        "/files/abc123", method="POST", **{"X-HTTP-Method-Override": "PATCH"}
    )
    adapter = WebobAdapter(request)
    assert adapter.method == "PATCH"
    tus_request = adapter.tus_request()
    assert tus_request.method == "POST"  # the handler applies the override itself
    assert tus_request.upload_id == "abc123"


def test_explicit_base_url_and_upload_id_win():
    adapter = WebobAdapter(
        make_request("/x/y", method="HEAD"),
        base_url="http://example.org/files/",
        upload_id=None,
        principal="jane",
    )
    tus_request = adapter.tus_request(context="ctx")
    assert (tus_request.base_url, tus_request.upload_id) == (
        "http://example.org/files",
        None,
    )
    assert tus_request.principal == "jane"
    assert tus_request.context == "ctx"


def test_body_is_a_stream_limited_to_content_length():
    request = make_request("/files/abc", body=b"0123456789")
    request.content_length = 4
    tus_request = WebobAdapter(request).tus_request()
    assert tus_request.content_length == 4
    assert tus_request.body.read(100) == b"0123"
    assert tus_request.body.read(100) == b""
    assert request.environ["wsgi.input"].largest_read <= 4


def test_body_is_never_read_whole():
    request = make_request("/files/abc", body=b"x" * (3 << 20))
    body = WebobAdapter(request).tus_request().body
    assert len(body.read(1 << 20)) == 1 << 20
    assert request.environ["wsgi.input"].largest_read == 1 << 20


def test_no_body_without_length_unless_input_is_terminated():
    request = webob.Request.blank("/files/abc", method="PATCH")
    request.environ.pop("CONTENT_LENGTH", None)
    request.environ["wsgi.input"] = io.BytesIO(b"abc")
    assert WebobAdapter(request).tus_request().body is None
    request.environ["wsgi.input_terminated"] = True
    assert WebobAdapter(request).tus_request().body.read(10) == b"abc"


def test_headers_are_looked_up_case_insensitively():
    tus_request = WebobAdapter(
        make_request("/files/abc", **{"Upload-Offset": "5"})
    ).tus_request()
    assert tus_request.headers["upload-offset"] == "5"


@pytest.mark.parametrize(
    "method, headers, valid",
    [
        ("OPTIONS", {}, True),
        ("HEAD", {"Tus-Resumable": "1.0.0"}, True),
        ("PATCH", {"Tus-Resumable": "0.2.2"}, True),  # the core answers 412
        ("HEAD", {}, False),
        ("GET", {"Tus-Resumable": "1.0.0"}, False),
    ],
)
def test_valid_tells_tus_requests(method, headers, valid):
    assert (
        WebobAdapter(make_request("/files/abc", method=method, **headers)).valid
        is valid
    )


def test_response_carries_status_headers_and_body():
    response = to_webob_response(
        TusResponse(
            status=404, headers={"Tus-Resumable": "1.0.0"}, body=b"upload not found"
        )
    )
    assert response.status_int == 404
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.body == b"upload not found"
    assert response.content_type == "text/plain"


def test_no_content_response_has_no_body():
    response = to_webob_response(
        TusResponse(status=204, headers={"Upload-Offset": "3"})
    )
    assert response.status_int == 204
    assert response.body == b""
    assert response.headers["Upload-Offset"] == "3"


def test_apply_response_keeps_resp_and_set_request_body():
    request = make_request("/files/abc")
    adapter = WebobAdapter(request)
    response = adapter.apply_response(
        TusResponse(status=201, headers={"Location": "http://localhost/files/x"})
    )
    assert adapter.resp is response
    adapter.set_request_body("/tmp/some/path")
    assert request.body == b"/tmp/some/path"
    adapter.set_request_body(io.BytesIO(b"file data"))
    assert request.body_file.read() == b"file data"
