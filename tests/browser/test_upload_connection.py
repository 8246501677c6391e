"""Offline, leaving and coming back: issue 14, points 2, 5 and 6."""

from helpers.browser import DASHBOARD
from helpers.browser import download
from helpers.browser import drop_generated
from helpers.browser import file_state
from helpers.browser import generated_bytes
from helpers.browser import item_url_for
from helpers.browser import MIB
from helpers.browser import open_upload_page
from helpers.browser import seconds_left
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import tile
from helpers.browser import tus_requests
from helpers.browser import uppy_files
from helpers.browser import wait_for_all_complete
from helpers.browser import wait_for_progress
from helpers.digests import sha256

import pytest
import time


pytestmark = pytest.mark.browser


class TestOffline:
    """Point 2: an offline notice at once, and an estimate that recovers."""

    def test_offline_notice_and_estimate(self, page, folder_url, artifacts):
        # Chromium throttles the uploads itself, so progress flows evenly, as
        # on a slow line (a server that sleeps before each chunk makes the
        # progress come in bursts, and any estimate from bursts is noise).
        network = Network(page, upload_rate=2 * MIB)
        set_settings(chunk_size=1)
        size = 32 * MIB
        open_upload_page(page, folder_url)
        drop_generated(page, "offline.bin", size)
        start_upload(page)
        wait_for_progress(page, "offline.bin", 0.1)
        eta, expected = estimate_and_truth(page, "offline.bin")
        assert expected / 2 - 2 <= eta <= 2 * expected + 2, (eta, expected)

        network.offline()
        went_offline = time.monotonic()
        notice = page.locator(".tusupload-offline")
        notice.wait_for(state="visible", timeout=2_000)
        assert time.monotonic() - went_offline < 2
        assert "You are offline" in notice.inner_text()
        # The frozen estimate is not shown while nothing moves.
        assert not page.locator(".uppy-StatusBar-statusSecondary").is_visible()
        page.locator(".tusupload-page").screenshot(
            path=str(artifacts / "upload-offline.png")
        )
        page.wait_for_timeout(8_000)
        stalled = file_state(page, "offline.bin")

        network.online()
        notice.wait_for(state="hidden", timeout=5_000)
        page.wait_for_function(
            "(uploaded) => document.querySelector('.tusupload-page').uppy"
            ".getFiles()[0].progress.bytesUploaded > uploaded",
            arg=stalled["uploaded"],
            timeout=20_000,
        )
        status = page.locator(".tusupload-status")
        page.wait_for_function(
            "() => document.querySelector('.tusupload-status').textContent"
            ".includes('Back online')"
        )
        assert "Back online" in status.inner_text()
        # A few seconds after bytes flow again, the estimate follows the
        # speed they flow at (an outage of 8 s used to make it jump to many
        # times that, because the speed was taken over the outage).
        eta, expected = estimate_and_truth(page, "offline.bin")
        assert expected / 2 - 2 <= eta <= 2 * expected + 2, (eta, expected)

        network.unthrottled()
        wait_for_all_complete(page)
        item_url = item_url_for(page, "offline.bin")
        assert sha256(download(page, item_url)) == sha256(generated_bytes(size))


def estimate_and_truth(page, name: str) -> tuple[float, float]:
    """The status bar's seconds left, and what the last 3 s of flow say."""
    start = file_state(page, name)
    started = time.monotonic()
    page.wait_for_timeout(3000)
    now = file_state(page, name)
    eta = seconds_left(page)
    rate = (now["uploaded"] - start["uploaded"]) / (time.monotonic() - started)
    assert not now["complete"], "the upload ended before the estimate"
    assert eta, "no estimate while bytes flow"
    return eta, (now["total"] - now["uploaded"]) / rate


class Network:
    """Chromium's own network conditions for a page: a slow line, or none."""

    def __init__(self, page, *, upload_rate: int):
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.upload_rate = upload_rate
        self.online()

    def _emulate(self, *, offline: bool, upload_rate: int) -> None:
        self.session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": offline,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": upload_rate,
            },
        )

    def offline(self) -> None:
        self._emulate(offline=True, upload_rate=-1)

    def online(self) -> None:
        self._emulate(offline=False, upload_rate=self.upload_rate)

    def unthrottled(self) -> None:
        self._emulate(offline=False, upload_rate=-1)


class TestLeaving:
    """Point 5: leaving during an upload asks first."""

    def test_back_link_asks_while_uploading(self, page, folder_url, server):
        set_settings(chunk_size=1)
        server.restart(slow_patches=0.3)
        open_upload_page(page, folder_url)
        drop_generated(page, "leaving.bin", 12 * MIB)
        start_upload(page)
        wait_for_progress(page, "leaving.bin", 0.1)

        dialogs = []

        def stay(dialog) -> None:
            dialogs.append(dialog.type)
            dialog.dismiss()

        page.on("dialog", stay)
        page.locator("a.tusupload-back").click(no_wait_after=True)
        page.wait_for_timeout(1000)
        assert dialogs == ["beforeunload"]
        assert page.url.endswith("/@@upload-files")
        page.remove_listener("dialog", stay)

        wait_for_all_complete(page)
        page.on("dialog", lambda dialog: dialogs.append(dialog.type))
        page.locator("a.tusupload-back").click()
        page.wait_for_url(f"{folder_url}/folder_contents")
        assert dialogs == ["beforeunload"]

    def test_no_question_before_uploading(self, page, folder_url):
        open_upload_page(page, folder_url)
        drop_generated(page, "waiting.bin", 1000)
        dialogs = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.type))
        page.locator("a.tusupload-back").click()
        page.wait_for_url(f"{folder_url}/folder_contents")
        assert dialogs == []


class TestComingBack:
    """Point 6: after a reload the list is back and the upload goes on."""

    def test_reload_restores_the_list_and_continues(self, page, folder_url, server):
        set_settings(chunk_size=1)
        server.restart(slow_patches=0.4)
        size = 32 * MIB
        endpoint = f"{folder_url}/@tus-upload"
        requests = tus_requests(page, endpoint)
        open_upload_page(page, folder_url)
        drop_generated(page, "resumed.bin", size)
        start_upload(page)
        wait_for_progress(page, "resumed.bin", 0.4)
        # What the browser keeps to resume: the partial uploads' URLs.
        stored = page.evaluate(STORED_UPLOAD_URLS)
        assert len(stored) > 1

        # The server goes away and comes back, then the editor reloads.
        server.stop()
        server.start(slow_patches=0.1)
        page.on("dialog", lambda dialog: dialog.accept())
        requests.clear()
        page.reload()
        page.wait_for_selector(DASHBOARD)

        # Without adding the file again: its tile is back, and it goes on.
        tile(page, "resumed.bin").wait_for()
        assert [file["name"] for file in uppy_files(page)] == ["resumed.bin"]
        wait_for_all_complete(page)
        partials = [
            url
            for method, url, headers in requests
            if method == "POST" and headers.get("upload-concat") == "partial"
        ]
        assert partials == [], "the upload started over instead of resuming"
        heads = {url for method, url, _headers in requests if method == "HEAD"}
        assert heads == set(stored)
        item_url = item_url_for(page, "resumed.bin")
        assert sha256(download(page, item_url)) == sha256(generated_bytes(size))


STORED_UPLOAD_URLS = """() => Object.entries(localStorage)
  .filter(([key]) => key.startsWith('tus::'))
  .flatMap(([key, value]) => {
    const stored = JSON.parse(value)
    return stored.parallelUploadUrls || [stored.uploadUrl]
  })"""
