"""The upload page in a real headless Chromium, against the test server."""

import base64
import hashlib
import os
import pytest


pytestmark = pytest.mark.browser

MIB = 1024 * 1024
DASHBOARD = ".tusupload-page .uppy-Dashboard-inner"

DROP_FILES = """
async ([selector, files]) => {
  const target = document.querySelector(selector)
  const transfer = new DataTransfer()
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0))
    transfer.items.add(new File([bytes], file.name, {
      type: file.type, lastModified: file.lastModified,
    }))
  }
  for (const type of ['dragenter', 'dragover', 'drop']) {
    target.dispatchEvent(new DragEvent(type, {
      bubbles: true, cancelable: true, dataTransfer: transfer,
    }))
  }
}
"""


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def drop(page, files: list[tuple[str, str, bytes]]) -> None:
    """Drop files onto the Dashboard with real drag-and-drop events."""
    page.wait_for_selector(DASHBOARD)
    payload = [
        {
            "name": name,
            "type": content_type,
            "data": base64.b64encode(data).decode("ascii"),
            "lastModified": 1_700_000_000_000,
        }
        for name, content_type, data in files
    ]
    page.evaluate(DROP_FILES, [DASHBOARD, payload])


def open_upload_page(page, folder_url: str) -> None:
    page.goto(f"{folder_url}/@@upload-files")
    page.wait_for_selector(DASHBOARD)


def uppy_files(page) -> list[dict]:
    return page.evaluate(
        """() => document.querySelector('.tusupload-page').uppy.getFiles().map(
            (file) => ({id: file.id, name: file.name, error: file.error || null,
                        isPaused: !!file.isPaused,
                        complete: !!file.progress.uploadComplete,
                        uploaded: file.progress.bytesUploaded || 0,
                        total: file.size}))"""
    )


def start_upload(page) -> None:
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def wait_for_progress(page, name: str, fraction: float, timeout: float = 30_000):
    page.wait_for_function(
        """([name, fraction]) => {
          const uppy = document.querySelector('.tusupload-page').uppy
          const file = uppy.getFiles().find((file) => file.name === name)
          return file && file.progress.bytesUploaded >= fraction * file.size
        }""",
        arg=[name, fraction],
        timeout=timeout,
    )


def wait_for_all_complete(page, timeout: float = 60_000) -> None:
    page.wait_for_function(
        """() => {
          const uppy = document.querySelector('.tusupload-page').uppy
          const files = uppy.getFiles()
          return files.length > 0 && files.every((f) => f.progress.uploadComplete)
            && uppy.getState().totalProgress === 100
        }""",
        timeout=timeout,
    )


def download(page, item_url: str) -> bytes:
    """The stored file, fetched with the editor's session cookie."""
    response = page.request.get(f"{item_url}/@@download/file")
    assert response.status == 200, response.status
    return response.body()


def finished_links(page) -> dict[str, str]:
    links = page.locator(".tusupload-finished a.tusupload-open")
    return {
        links.nth(index).inner_text(): links.nth(index).get_attribute("href")
        for index in range(links.count())
    }


class TestDashboard:
    def test_page_shows_the_drop_zone(self, page, folder_url):
        open_upload_page(page, folder_url)
        assert page.locator("h1.documentFirstHeading").inner_text() == "Upload files"
        assert page.locator(".uppy-Dashboard-AddFiles").is_visible()
        assert "upload-files.min.js" in page.content()

    def test_action_in_the_actions_menu_opens_the_page(self, page, folder_url):
        page.goto(folder_url)
        page.locator("#plone-contentmenu-actions > a").click()
        page.locator("a#plone-contentmenu-actions-upload-files").click()
        page.wait_for_url(f"{folder_url}/@@upload-files*")
        page.wait_for_selector(DASHBOARD)

    def test_dropped_files_are_listed(self, page, folder_url):
        open_upload_page(page, folder_url)
        drop(page, [("a.txt", "text/plain", b"a"), ("b.txt", "text/plain", b"bb")])
        assert sorted(file["name"] for file in uppy_files(page)) == ["a.txt", "b.txt"]
