"""The upload page for keyboard and screen reader users: issue 14, points 9-12.

axe-core comes from npm (``tests/browser/js``, pinned by its lockfile) and is
injected into the page by the test (the ``axe_source`` fixture).
"""

from helpers.browser import axe_violations
from helpers.browser import drop
from helpers.browser import open_upload_page
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import tile
from helpers.browser import wait_for_all_complete
from helpers.browser import wait_for_errors

import json
import pytest


pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


class TestAxe:
    """Point 9: no serious or critical axe-core finding, in every state."""

    def test_page_in_its_states(self, page, folder_url, axe_source):
        set_settings(allowed_mime_types=[])
        open_upload_page(page, folder_url)
        found = {"empty": axe_violations(page, axe_source)}

        set_settings(allowed_mime_types=["image/*", "text/markdown"])
        drop(page, [("photo.png", "image/png", PNG), ("notes.txt", "text/plain", b"1")])
        found["files added"] = axe_violations(page, axe_source)

        start_upload(page)
        wait_for_errors(page)
        page.wait_for_function(
            "() => document.querySelector('.tusupload-page').uppy.getFiles()"
            ".every((f) => f.progress.uploadComplete)"
        )
        page.wait_for_selector(".tusupload-results:not([hidden])")
        found["uploaded and refused"] = axe_violations(page, axe_source)

        set_settings(max_upload_size=1)
        page.reload()
        page.wait_for_selector(".tusupload-page .uppy-Dashboard-inner")
        drop(page, [("huge.bin", "application/octet-stream", b"0" * (2 << 20))])
        page.locator(".tusupload-refused-file").wait_for()
        found["refused before sending"] = axe_violations(page, axe_source)
        assert found == {state: [] for state in found}, json.dumps(found, indent=1)

    def test_page_with_a_failure_to_retry(self, page, folder_url, axe_source):
        """The status bar's Retry and its details, Uppy's notice."""
        set_settings(max_pending_uploads=1)
        open_upload_page(page, folder_url)
        token = page.locator(".tusupload-page").get_attribute("data-csrf-token")
        pending = page.request.post(
            f"{folder_url}/@tus-upload",
            headers={
                "Tus-Resumable": "1.0.0",
                "X-CSRF-TOKEN": token,
                "Upload-Length": "100",
            },
        )
        assert pending.status == 201, pending.text()
        drop(page, [("report.txt", "text/plain", b"the report")])
        start_upload(page)
        wait_for_errors(page)
        page.locator(".uppy-StatusBar-actionBtn--retry").wait_for()
        assert axe_violations(page, axe_source) == []


class TestAnnouncements:
    """Point 10: arrivals and failures are said in a live region."""

    def test_completion_is_announced(self, page, folder_url):
        open_upload_page(page, folder_url)
        status = page.locator(".tusupload-status")
        assert status.get_attribute("role") == "status"
        assert status.get_attribute("aria-live") == "polite"
        drop(page, [("a.txt", "text/plain", b"a"), ("b.txt", "text/plain", b"bb")])
        start_upload(page)
        wait_for_all_complete(page)
        page.wait_for_function(
            "() => document.querySelector('.tusupload-status').textContent !== ''"
        )
        assert status.inner_text() == "All files uploaded: 2."

    def test_failure_is_announced(self, page, folder_url):
        set_settings(allowed_mime_types=[])
        open_upload_page(page, folder_url)
        set_settings(allowed_mime_types=["image/*"])
        drop(page, [("a.txt", "text/plain", b"a"), ("b.png", "image/png", PNG)])
        start_upload(page)
        wait_for_errors(page)
        page.wait_for_function(
            "() => document.querySelector('.tusupload-status').textContent"
            ".startsWith('Uploaded: 1 of 2')"
        )
        assert page.locator(".tusupload-status").inner_text() == (
            "Uploaded: 1 of 2 files. Not uploaded: 1."
        )


class TestFocus:
    """Point 11: the keyboard's place survives Uppy's re-rendering."""

    def test_after_an_upload_focus_is_on_the_results(self, page, folder_url):
        open_upload_page(page, folder_url)
        drop(page, [("a.txt", "text/plain", b"a")])
        page.locator(".uppy-StatusBar-actionBtn--upload").focus()
        page.keyboard.press("Enter")
        wait_for_all_complete(page)
        page.wait_for_function(
            "() => document.activeElement.matches('.tusupload-results-heading')"
        )
        # The next Tab leads to the new item.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Open a.txt"

    def test_after_removing_a_file_focus_stays_in_the_list(self, page, folder_url):
        open_upload_page(page, folder_url)
        drop(page, [("a.txt", "text/plain", b"a"), ("b.txt", "text/plain", b"b")])
        remove = page.get_by_role("button", name="Remove a.txt")
        remove.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.activeElement.getAttribute('aria-label') === 'Remove b.txt'"
        )
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.activeElement && document.activeElement !== document.body"
            " && document.querySelector('.tusupload-page').contains("
            "document.activeElement)"
        )


class TestRemoveButtons:
    """Point 12: each Remove button says which file it removes."""

    def test_remove_buttons_name_their_file(self, page, folder_url):
        open_upload_page(page, folder_url)
        drop(page, [("a.txt", "text/plain", b"a"), ("b.txt", "text/plain", b"b")])
        for name in ("a.txt", "b.txt"):
            button = tile(page, name).locator(".uppy-Dashboard-Item-action--remove")
            assert button.get_attribute("aria-label") == f"Remove {name}"
            assert button.get_attribute("title") == f"Remove {name}"
        page.get_by_role("button", name="Remove b.txt").click()
        assert [
            button.get_attribute("aria-label")
            for button in page.locator(".uppy-Dashboard-Item-action--remove").all()
        ] == ["Remove a.txt"]
