"""The upload page in a real headless Chromium, against the test server."""

from helpers.browser import DASHBOARD
from helpers.browser import download
from helpers.browser import drop
from helpers.browser import file_state
from helpers.browser import finished_links
from helpers.browser import item_url_for
from helpers.browser import MIB
from helpers.browser import open_upload_page
from helpers.browser import random_bytes
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import uppy_files
from helpers.browser import wait_for_all_complete
from helpers.browser import wait_for_progress
from helpers.digests import sha256

import pytest


pytestmark = pytest.mark.browser


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
