"""The original ``tus`` package's usage, kept working on the new core."""

from collective.tusupload.adapters.legacy import Tus
from collective.tusupload.adapters.webob import WebobAdapter

import collective.tusupload
import io
import os
import pytest


webob = pytest.importorskip("webob")

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


def request(path, method, body=None, **headers):
    req = webob.Request.blank(path, method=method, headers=headers)
    if body is not None:
        req.body = body
    return req


def serve(req, tmp_file_dir, **options):
    """What a WebOb view using the original API does."""
    adapter = WebobAdapter(req)
    tus = Tus(adapter, tmp_file_dir=tmp_file_dir, **options)
    assert tus.valid
    tus.handle()
    return tus, adapter


def test_public_names_are_importable_from_the_package():
    assert collective.tusupload.Tus is Tus
    assert collective.tusupload.WebobAdapter is WebobAdapter
    assert collective.tusupload.Filter.__name__ == "Filter"
    assert collective.tusupload.Zope2RequestAdapter.__name__ == "Zope2RequestAdapter"


def test_original_flow(tmp_path):
    tus, adapter = serve(
        request("/upload", "POST", **TUS, **{"Upload-Length": "10"}), str(tmp_path)
    )
    assert adapter.resp.status_int == 201
    location = adapter.resp.headers["Location"]
    assert location.startswith("http://localhost/upload/")
    assert not tus.upload_finished

    tus, adapter = serve(
        request(location, "PATCH", b"hello", **OCTETS, **{"Upload-Offset": "0"}),
        str(tmp_path),
    )
    assert adapter.resp.status_int == 204
    assert not tus.upload_finished

    req = request(location, "PATCH", b"world", **OCTETS, **{"Upload-Offset": "5"})
    tus, adapter = serve(req, str(tmp_path))
    assert tus.upload_finished
    path = tus.get_filepath()
    assert path == os.path.join(str(tmp_path), location.rsplit("/", 1)[-1] + ".data")
    with open(path, "rb") as data_file:
        assert data_file.read() == b"helloworld"
    assert req.body == path.encode()  # the body now names the file, as before
    tus.cleanup_file()
    assert not os.path.exists(path)
    assert not os.listdir(tmp_path)


def test_send_file_makes_the_body_the_file(tmp_path):
    _, adapter = serve(
        request("/upload", "POST", **TUS, **{"Upload-Length": "3"}), str(tmp_path)
    )
    location = adapter.resp.headers["Location"]
    req = request(location, "PATCH", b"abc", **OCTETS, **{"Upload-Offset": "0"})
    tus, _ = serve(req, str(tmp_path), send_file=True)
    assert tus.upload_finished and tus.send_file
    assert req.body_file.read() == b"abc"
    req.body_file.close()


def test_head_reports_the_offset(tmp_path):
    _, adapter = serve(
        request("/upload", "POST", **TUS, **{"Upload-Length": "9"}), str(tmp_path)
    )
    location = adapter.resp.headers["Location"]
    serve(
        request(location, "PATCH", b"abcd", **OCTETS, **{"Upload-Offset": "0"}),
        str(tmp_path),
    )
    _, adapter = serve(request(location, "HEAD", **TUS), str(tmp_path))
    assert adapter.resp.headers["Upload-Offset"] == "4"


def test_non_tus_request_is_not_valid(tmp_path):
    assert not Tus(
        WebobAdapter(request("/upload", "GET")), tmp_file_dir=str(tmp_path)
    ).valid


def test_options_from_text_and_unknown_options_are_accepted(tmp_path):
    tus = Tus(
        WebobAdapter(request("/upload", "OPTIONS")),
        tmp_file_dir=str(tmp_path),
        send_file="false",
        upload_valid_duration="30",
        max_size="99",
        upload_path="/ignored",
    )
    assert tus.send_file is False
    assert tus.handler.engine.expiry == 30.0
    assert tus.handle().headers["Tus-Max-Size"] == "99"


def test_tmp_file_dir_is_required():
    with pytest.raises(ValueError):
        Tus(WebobAdapter(request("/upload", "OPTIONS")))


def test_zope_adapter_through_the_legacy_api(tmp_path):
    from collective.tusupload.adapters.zope import Zope2RequestAdapter
    from helpers.zope_request import FakeRequest

    post = FakeRequest(
        "http://nohost/site/upload",
        method="POST",
        headers={**TUS, "Upload-Length": "4"},
    )
    tus = Tus(Zope2RequestAdapter(post), tmp_file_dir=str(tmp_path))
    tus.handle()
    assert post.response.status == 201
    location = post.response.headers["Location"]
    patch = FakeRequest(
        location, headers={**OCTETS, "Upload-Offset": "0"}, body=b"data"
    )
    tus = Tus(Zope2RequestAdapter(patch), tmp_file_dir=str(tmp_path), send_file=True)
    tus.handle()
    assert tus.upload_finished
    assert patch._file.read() == b"data"  # as the original's Plone example read it
    patch._file.close()
    tus.cleanup_file()
    assert not os.listdir(tmp_path)


def test_body_stream_is_not_read_whole(tmp_path):
    _, adapter = serve(
        request("/upload", "POST", **TUS, **{"Upload-Length": str(3 << 20)}),
        str(tmp_path),
    )
    req = request(
        adapter.resp.headers["Location"], "PATCH", **OCTETS, **{"Upload-Offset": "0"}
    )

    class Input(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            Input.largest = max(Input.largest, size)
            return super().read(size)

    req.environ["wsgi.input"] = Input(b"z" * (3 << 20))
    req.content_length = 3 << 20
    tus, _ = serve(req, str(tmp_path))
    assert tus.upload_finished
    assert 0 < Input.largest <= 1 << 20
