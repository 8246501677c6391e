"""How the page sends files: issue 14, point 7.

Measured with ``benchmarks/browser.py``: Chromium spends its time moving
the bytes of each request, not waiting between them, so the page sends a
large file over several connections (partial uploads joined by the tus
concatenation extension), in pieces of the size the site's settings give,
and the first piece with the request that creates the upload.
"""

from helpers.browser import download
from helpers.browser import drop
from helpers.browser import drop_generated
from helpers.browser import generated_bytes
from helpers.browser import item_url_for
from helpers.browser import MIB
from helpers.browser import open_upload_page
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import wait_for_all_complete
from helpers.digests import sha256

import pytest


pytestmark = pytest.mark.browser


def record_tus_requests(page, endpoint: str) -> list[dict]:
    """Every tus request the page sends, with its headers and body size."""
    seen = []

    def record(request) -> None:
        if not request.url.startswith(endpoint):
            return
        headers = request.all_headers()
        if "x-http-method-override" in headers:
            return  # the page asking what the server can do
        seen.append(
            {
                "method": request.method,
                "url": request.url,
                "concat": headers.get("upload-concat", ""),
                "length": int(headers.get("content-length") or 0),
            }
        )

    page.on("request", record)
    return seen


def test_large_file_goes_in_parallel_parts(page, folder_url):
    set_settings(chunk_size=1)
    size = 8 * MIB + 12345
    endpoint = f"{folder_url}/@tus-upload"
    requests = record_tus_requests(page, endpoint)
    open_upload_page(page, folder_url)
    drop_generated(page, "large.bin", size)
    start_upload(page)
    wait_for_all_complete(page)

    partials = [
        r for r in requests if r["method"] == "POST" and r["concat"] == "partial"
    ]
    finals = [
        r
        for r in requests
        if r["method"] == "POST" and r["concat"].startswith("final;")
    ]
    assert len(partials) == 4
    assert len(finals) == 1
    assert len(finals[0]["concat"].split()) == 4
    # Each part's first piece goes with its creation; no piece exceeds the
    # chunk size setting.
    assert all(0 < r["length"] <= MIB for r in partials)
    patches = [r for r in requests if r["method"] == "PATCH"]
    assert patches and all(r["length"] <= MIB for r in patches)
    assert sum(r["length"] for r in partials + patches) == size
    item_url = item_url_for(page, "large.bin")
    assert sha256(download(page, item_url)) == sha256(generated_bytes(size))


def test_piece_size_follows_the_setting(page, folder_url):
    set_settings(chunk_size=2)
    endpoint = f"{folder_url}/@tus-upload"
    requests = record_tus_requests(page, endpoint)
    open_upload_page(page, folder_url)
    drop_generated(page, "pieces.bin", 16 * MIB)
    start_upload(page)
    wait_for_all_complete(page)
    bodies = [r["length"] for r in requests if r["length"]]
    assert max(bodies) == 2 * MIB
    assert sum(bodies) == 16 * MIB
    # Four parts of distinct sizes (speed.js, partLayout): three a little
    # under 4 MiB, two pieces each, and the last a little over, three.
    assert len(bodies) == 9


def test_small_file_takes_one_request(page, folder_url):
    endpoint = f"{folder_url}/@tus-upload"
    requests = record_tus_requests(page, endpoint)
    open_upload_page(page, folder_url)
    drop(page, [("small.txt", "text/plain", b"small file\n")])
    start_upload(page)
    wait_for_all_complete(page)
    assert [(r["method"], r["concat"], r["length"]) for r in requests] == [
        ("POST", "", 11)
    ]
    assert download(page, item_url_for(page, "small.txt")) == b"small file\n"


def test_one_upload_without_concatenation(page, folder_url):
    """A server that can't join parts gets the file as one upload."""
    set_settings(chunk_size=1)

    def without_concatenation(route) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        headers["tus-extension"] = "creation,creation-with-upload,termination"
        route.fulfill(response=response, headers=headers)

    page.route(
        lambda url: url.endswith("/@tus-upload"),
        lambda route: (
            without_concatenation(route)
            if "x-http-method-override" in route.request.headers
            else route.continue_()
        ),
    )
    endpoint = f"{folder_url}/@tus-upload"
    requests = record_tus_requests(page, endpoint)
    open_upload_page(page, folder_url)
    drop_generated(page, "whole.bin", 4 * MIB)
    start_upload(page)
    wait_for_all_complete(page)
    assert [r["concat"] for r in requests] == [""] * 4
    assert [r["method"] for r in requests] == ["POST", "PATCH", "PATCH", "PATCH"]
