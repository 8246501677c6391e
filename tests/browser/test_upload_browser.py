"""The upload page in a real headless Chromium, against the test server."""

from plone import api

import base64
import hashlib
import os
import pytest
import transaction


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


def set_settings(**values) -> None:
    """Change the add-on's settings and commit, so the server sees them."""
    transaction.begin()
    for name, value in values.items():
        api.portal.set_registry_record(f"collective.tusupload.{name}", value)
    transaction.commit()


def item_url_for(page, name: str) -> str:
    return page.evaluate(
        """(name) => {
          const uppy = document.querySelector('.tusupload-page').uppy
          const file = uppy.getFiles().find((file) => file.name === name)
          return file && file.tusupload ? file.tusupload['@id'] : null
        }""",
        name,
    )


def file_state(page, name: str) -> dict:
    return next(file for file in uppy_files(page) if file["name"] == name)


class TestUploads:
    def test_two_dropped_files_arrive_byte_identical(self, page, folder_url, artifacts):
        set_settings(chunk_size=1)
        big = random_bytes(6 * MIB + 12345)
        small = random_bytes(70_000)
        open_upload_page(page, folder_url)
        drop(
            page,
            [
                ("big.bin", "application/octet-stream", big),
                ("notes.txt", "text/plain", small),
            ],
        )
        start_upload(page)
        wait_for_all_complete(page)

        links = finished_links(page)
        assert set(links) == {"Open big.bin", "Open notes.txt"}
        for name, data in (("big.bin", big), ("notes.txt", small)):
            item_url = item_url_for(page, name)
            assert links[f"Open {name}"] == item_url
            assert item_url.startswith(f"{folder_url}/")
            assert sha256(download(page, item_url)) == sha256(data)

        page.locator(".uppy-StatusBar").wait_for()
        page.locator(".tusupload-page").screenshot(
            path=str(artifacts / "upload-dashboard.png")
        )
        page.screenshot(path=str(artifacts / "upload-page.png"), full_page=True)

        contents = page.request.get(
            f"{folder_url}/@search",
            params={"path.depth": "1"},
            headers={"Accept": "application/json"},
        ).json()
        urls = {item["@id"] for item in contents["items"]}
        assert {item_url_for(page, "big.bin"), item_url_for(page, "notes.txt")} <= urls

    def test_pause_and_resume_a_file(self, page, folder_url, server):
        set_settings(chunk_size=1)
        server.restart(slow_patches=0.3)
        data = random_bytes(8 * MIB)
        open_upload_page(page, folder_url)
        drop(page, [("paused.bin", "application/octet-stream", data)])
        start_upload(page)
        wait_for_progress(page, "paused.bin", 0.2)

        page.locator(".uppy-Dashboard-Item-progressIndicator").click()
        assert file_state(page, "paused.bin")["isPaused"]
        uploaded = file_state(page, "paused.bin")["uploaded"]
        page.wait_for_timeout(1500)
        paused = file_state(page, "paused.bin")
        assert paused["uploaded"] == uploaded
        assert not paused["complete"]

        page.locator(".uppy-Dashboard-Item-progressIndicator").click()
        assert not file_state(page, "paused.bin")["isPaused"]
        wait_for_all_complete(page)
        item_url = item_url_for(page, "paused.bin")
        assert sha256(download(page, item_url)) == sha256(data)

    def test_resume_after_server_restart_and_page_reload(
        self, page, folder_url, server
    ):
        set_settings(chunk_size=1)
        server.restart(slow_patches=0.25)
        data = random_bytes(12 * MIB)
        endpoint = f"{folder_url}/@tus-upload"
        requests_seen = []
        page.on(
            "request",
            lambda request: (
                requests_seen.append((request.method, request.url))
                if request.url.startswith(endpoint)
                else None
            ),
        )
        open_upload_page(page, folder_url)
        drop(page, [("resumed.bin", "application/octet-stream", data)])
        start_upload(page)
        wait_for_progress(page, "resumed.bin", 0.25)

        server.stop()
        stopped_at = file_state(page, "resumed.bin")["uploaded"]
        assert 0 < stopped_at < len(data)
        upload_urls = {url for method, url in requests_seen if method == "PATCH"}
        assert len(upload_urls) == 1
        server.start()

        requests_seen.clear()
        page.reload()
        page.wait_for_selector(DASHBOARD)
        drop(page, [("resumed.bin", "application/octet-stream", data)])
        start_upload(page)
        wait_for_all_complete(page)

        methods = [method for method, url in requests_seen]
        assert "POST" not in methods, "the upload started over instead of resuming"
        assert ("HEAD", upload_urls.pop()) in requests_seen
        item_url = item_url_for(page, "resumed.bin")
        assert sha256(download(page, item_url)) == sha256(data)

    def test_server_refuses_a_too_large_file_in_words(self, page, folder_url):
        set_settings(max_upload_size=0)
        open_upload_page(page, folder_url)
        set_settings(max_upload_size=1)
        drop(page, [("huge.bin", "application/octet-stream", random_bytes(2 * MIB))])
        start_upload(page)
        page.wait_for_function(
            "() => document.querySelector('.tusupload-page').uppy.getFiles()"
            ".every((file) => file.error)"
        )
        message = "This file is larger than the maximum upload size"
        assert file_state(page, "huge.bin")["error"] == message
        error = page.locator(".uppy-Dashboard-Item-errorDetails")
        assert error.get_attribute("aria-label") == message
        assert error.is_visible()

    def test_page_refuses_a_too_large_file_before_sending(self, page, folder_url):
        set_settings(max_upload_size=1)
        open_upload_page(page, folder_url)
        drop(page, [("huge.bin", "application/octet-stream", random_bytes(2 * MIB))])
        message = "This file is larger than the maximum upload size"
        page.locator(".uppy-Informer").get_by_text(message).first.wait_for()
        assert uppy_files(page) == []

    def test_server_refuses_a_type_not_allowed_in_words(self, page, folder_url):
        set_settings(allowed_mime_types=[])
        open_upload_page(page, folder_url)
        set_settings(allowed_mime_types=["image/*"])
        drop(page, [("notes.txt", "text/plain", b"not an image\n")])
        start_upload(page)
        page.wait_for_function(
            "() => document.querySelector('.tusupload-page').uppy.getFiles()"
            ".every((file) => file.error)"
        )
        message = "This file type is not allowed here"
        assert file_state(page, "notes.txt")["error"] == message
        assert page.locator(".uppy-Dashboard-Item-errorDetails").is_visible()
