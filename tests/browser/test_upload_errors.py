"""Files that can't be uploaded: the reason on the tile, Retry only where it helps.

Issue 14, points 1, 3 and 4.
"""

from helpers.browser import drop
from helpers.browser import file_state
from helpers.browser import MIB
from helpers.browser import open_upload_page
from helpers.browser import random_bytes
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import tile
from helpers.browser import tus_requests
from helpers.browser import UPPY
from helpers.browser import wait_for_all_complete
from helpers.browser import wait_for_errors

import pytest


pytestmark = pytest.mark.browser

NOTES = "notes-for-the-meeting-of-monday.txt"
TYPE_REFUSED = f"{NOTES} is of type text/plain, which can't be uploaded here."
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200

TILE_BOXES = """
() => {
  const box = (element) => {
    if (!element) return null
    const r = element.getBoundingClientRect()
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height}
  }
  return [...document.querySelectorAll('.uppy-Dashboard-Item')].map((tile) => {
    const error = tile.querySelector('.uppy-Dashboard-Item-errorDetails')
    return {
      name: tile.querySelector('.uppy-Dashboard-Item-name').title,
      tile: box(tile),
      nameBox: box(tile.querySelector('.uppy-Dashboard-Item-name')),
      size: box(tile.querySelector('.uppy-Dashboard-Item-status')),
      error: box(error),
      message: error ? error.getAttribute('aria-label') : null,
      clipped: error ? error.scrollHeight > error.clientHeight + 1 ||
        error.scrollWidth > error.clientWidth + 1 : false,
    }
  })
}
"""


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def overlap(one: dict, other: dict) -> bool:
    return not (
        one["right"] <= other["left"]
        or other["right"] <= one["left"]
        or one["bottom"] <= other["top"]
        or other["bottom"] <= one["top"]
    )


def check_refused_tile(boxes: list[dict], name: str, message: str) -> None:
    """The refused file's tile shows its name and the whole message, apart."""
    refused = next(box for box in boxes if box["name"] == name)
    assert refused["message"] == message
    assert not refused["clipped"]
    for part in ("nameBox", "error", "size"):
        assert inside(refused[part], refused["tile"]), (part, refused)
    # Name, then reason, then size, one under the other, none squeezed.
    assert refused["nameBox"]["bottom"] <= refused["error"]["top"] + 0.5
    assert refused["error"]["bottom"] <= refused["size"]["top"] + 0.5
    assert refused["nameBox"]["width"] >= 0.6 * refused["tile"]["width"]
    assert refused["error"]["width"] >= 0.6 * refused["tile"]["width"]
    assert refused["error"]["height"] >= 12
    for box, other in ((b, o) for b in boxes for o in boxes if b is not o):
        assert not overlap(box["tile"], other["tile"]), (box["name"], other["name"])


def refuse_text_on_the_server(page, folder_url) -> None:
    """The page allows any type; the server, from now on, only images."""
    set_settings(allowed_mime_types=[])
    open_upload_page(page, folder_url)
    set_settings(allowed_mime_types=["image/*"])


class TestRefusedTile:
    """Point 1: a 415 keeps the tile's layout: name, message, size, no overlap."""

    def test_among_other_tiles(self, page, folder_url, artifacts):
        refuse_text_on_the_server(page, folder_url)
        drop(
            page,
            [
                (NOTES, "text/plain", b"not an image\n"),
                ("photo.png", "image/png", PNG),
                ("holiday.png", "image/png", PNG + b"1"),
                ("diagram.png", "image/png", PNG + b"2"),
            ],
        )
        start_upload(page)
        wait_for_errors(page)
        page.wait_for_function(
            f"() => {UPPY}.getFiles().filter((f) => f.progress.uploadComplete)"
            ".length === 3"
        )
        check_refused_tile(page.evaluate(TILE_BOXES), NOTES, TYPE_REFUSED)
        page.locator(".tusupload-page").screenshot(
            path=str(artifacts / "upload-refused.png")
        )

    def test_narrow_screen(self, page, folder_url):
        page.set_viewport_size({"width": 420, "height": 900})
        refuse_text_on_the_server(page, folder_url)
        drop(
            page,
            [
                (NOTES, "text/plain", b"not an image\n"),
                ("photo.png", "image/png", PNG),
            ],
        )
        start_upload(page)
        wait_for_errors(page)
        check_refused_tile(page.evaluate(TILE_BOXES), NOTES, TYPE_REFUSED)

    def test_single_tile(self, page, folder_url):
        refuse_text_on_the_server(page, folder_url)
        drop(page, [(NOTES, "text/plain", b"not an image\n")])
        start_upload(page)
        wait_for_errors(page)
        check_refused_tile(page.evaluate(TILE_BOXES), NOTES, TYPE_REFUSED)

    def test_too_large_names_the_limit(self, page, folder_url):
        set_settings(max_upload_size=0)
        open_upload_page(page, folder_url)
        set_settings(max_upload_size=1)
        drop(page, [("huge.bin", "application/octet-stream", random_bytes(2 * MIB))])
        start_upload(page)
        wait_for_errors(page)
        message = "huge.bin is larger than 1 MiB, the largest file this site accepts."
        assert file_state(page, "huge.bin")["error"] == message
        check_refused_tile(page.evaluate(TILE_BOXES), "huge.bin", message)


class TestRefusedBeforeSending:
    """Point 3: the page's own refusals name the file and why, and stay."""

    def test_too_large_file_is_listed_with_the_limit(self, page, folder_url):
        set_settings(max_upload_size=1)
        open_upload_page(page, folder_url)
        drop(
            page,
            [
                ("huge.bin", "application/octet-stream", random_bytes(2 * MIB)),
                ("small.txt", "text/plain", b"small"),
            ],
        )
        message = "huge.bin is larger than 1 MiB, the largest file this site accepts."
        refused = page.locator(".tusupload-refused-file")
        refused.first.wait_for()
        assert refused.count() == 1
        assert refused.first.inner_text().strip() == message
        # The other file is there to upload; the list says which one is not.
        assert [tile["name"] for tile in page.evaluate(TILE_BOXES)] == ["small.txt"]
        # Uppy's notice goes after a few seconds; the list stays.
        page.wait_for_timeout(6_000)
        assert refused.first.is_visible()
        assert page.locator(".tusupload-status").inner_text() == message

    def test_type_not_allowed_is_listed_with_the_type(self, page, folder_url):
        set_settings(allowed_mime_types=["image/*"])
        open_upload_page(page, folder_url)
        drop(page, [(NOTES, "text/plain", b"text")])
        refused = page.locator(".tusupload-refused-file")
        refused.first.wait_for()
        assert refused.first.inner_text().strip() == TYPE_REFUSED

    def test_dismissing_keeps_the_focus(self, page, folder_url):
        set_settings(allowed_mime_types=["image/*"])
        open_upload_page(page, folder_url)
        drop(page, [("one.txt", "text/plain", b"1"), ("two.txt", "text/plain", b"2")])
        dismiss = page.get_by_role("button", name="Dismiss the message about one.txt")
        dismiss.click()
        assert page.locator(".tusupload-refused-file").count() == 1
        focused = page.evaluate(
            "() => document.activeElement.getAttribute('aria-label')"
        )
        assert focused == "Dismiss the message about two.txt"


class TestRetry:
    """Point 4: Retry only where a retry can succeed."""

    def test_no_retry_for_a_type_refused_for_good(self, page, folder_url):
        refuse_text_on_the_server(page, folder_url)
        endpoint = f"{folder_url}/@tus-upload"
        requests = tus_requests(page, endpoint)
        drop(page, [(NOTES, "text/plain", b"text")])
        start_upload(page)
        wait_for_errors(page)
        refused = tile(page, NOTES)
        indicator = refused.locator(".uppy-Dashboard-Item-progressIndicator")
        assert not indicator.is_visible()
        assert not page.locator(".uppy-StatusBar-actionBtn--retry").is_visible()
        assert refused.get_by_role("button", name=f"Remove {NOTES}").is_visible()

        # Adding another file and uploading it does not send the refused one.
        def posts() -> int:
            """Creations (the page also asks OPTIONS with a POST override)."""
            return sum(
                1
                for method, _url, headers in requests
                if method == "POST" and "x-http-method-override" not in headers
            )

        posts_before = posts()
        drop(page, [("photo.png", "image/png", PNG)])
        start_upload(page)
        page.wait_for_function(
            f"() => {UPPY}.getFiles().find((f) => f.name === 'photo.png')"
            ".progress.uploadComplete"
        )
        assert posts() == posts_before + 1
        assert file_state(page, NOTES)["error"] == TYPE_REFUSED
        assert not page.locator(".uppy-StatusBar-actionBtn--retry").is_visible()

    def test_retry_after_the_pending_limit_is_freed(self, page, folder_url):
        """413 for the per-user limit: Retry is offered, and works once freed."""
        set_settings(max_pending_uploads=1)
        open_upload_page(page, folder_url)
        endpoint = f"{folder_url}/@tus-upload"
        token = page.locator(".tusupload-page").get_attribute("data-csrf-token")
        headers = {"Tus-Resumable": "1.0.0", "X-CSRF-TOKEN": token}
        pending = page.request.post(
            endpoint, headers={**headers, "Upload-Length": "100"}
        )
        assert pending.status == 201, pending.text()
        drop(page, [("report.txt", "text/plain", b"the report")])
        start_upload(page)
        wait_for_errors(page)
        message = file_state(page, "report.txt")["error"]
        assert message.startswith("report.txt can't start now")
        retry = page.locator(".uppy-StatusBar-actionBtn--retry")
        assert retry.is_visible()
        assert (
            tile(page, "report.txt")
            .locator(".uppy-Dashboard-Item-progressIndicator")
            .is_visible()
        )

        deleted = page.request.delete(pending.headers["location"], headers=headers)
        assert deleted.status == 204
        retry.click()
        wait_for_all_complete(page)
        assert not file_state(page, "report.txt")["error"]
