""" "Publish together" on the upload page, in a real Chromium: an upload session.

The editor drops three files with "Publish together" on, reloads while the
largest is on its way, continues the batch the page offers, and publishes:
nothing is in the folder before, all three are after, byte-identical.
"""

from helpers.browser import axe_violations
from helpers.browser import DASHBOARD
from helpers.browser import download
from helpers.browser import drop
from helpers.browser import MIB
from helpers.browser import open_upload_page
from helpers.browser import random_bytes
from helpers.browser import set_settings
from helpers.browser import start_upload
from helpers.browser import wait_for_all_complete
from helpers.browser import wait_for_progress
from helpers.digests import sha256

import pytest


pytestmark = pytest.mark.browser


def folder_items(page, folder_url) -> list[str]:
    contents = page.request.get(
        f"{folder_url}/@search",
        params={"path.depth": "1"},
        headers={"Accept": "application/json"},
    ).json()
    return sorted(item["@id"].rsplit("/", 1)[-1] for item in contents["items"])


def test_three_files_published_together_across_a_reload(
    page, folder_url, server, artifacts
):
    set_settings(chunk_size=1)
    server.restart(slow_patches=0.3)
    files = {
        "photo.bin": ("application/octet-stream", random_bytes(12 * MIB + 77)),
        "notes.txt": ("text/plain", b"release notes\n" * 2000),
        "data.bin": ("application/octet-stream", random_bytes(300_000)),
    }
    open_upload_page(page, folder_url)
    page.locator("#tusupload-together").check()
    page.locator(".tusupload-session").wait_for()
    preview = page.locator(".tusupload-preview-link").input_value()
    assert "/@@upload-stage/" in preview
    drop(page, [(name, kind, data) for name, (kind, data) in files.items()])
    start_upload(page)
    wait_for_progress(page, "photo.bin", 0.3)

    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_selector(DASHBOARD)
    offer = page.locator(".tusupload-continue")
    offer.first.wait_for()
    assert "3 files" in offer.first.inner_text()
    offer.first.click()
    page.locator(".tusupload-session").wait_for()
    wait_for_all_complete(page)
    publish = page.locator(".tusupload-publish")
    page.wait_for_function(
        "() => { const b = document.querySelector('.tusupload-publish');"
        " return b && !b.disabled && b.textContent.includes('3') }"
    )
    assert publish.inner_text() == "Publish 3 files"
    assert folder_items(page, folder_url) == []
    # The preview works without the editor's login.
    anonymous = page.context.browser.new_context()
    try:
        listing = anonymous.request.get(
            preview, headers={"Accept": "application/json"}
        ).json()
        assert sorted(item["filename"] for item in listing["files"]) == sorted(files)
    finally:
        anonymous.close()

    publish.click()
    done = page.locator(".tusupload-session-done")
    done.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.tusupload-session-done').textContent !== ''"
    )
    assert "3 files" in done.inner_text()
    page.locator(".tusupload-page").screenshot(
        path=str(artifacts / "upload-together.png")
    )
    assert folder_items(page, folder_url) == sorted(files)
    for name, (_kind, data) in files.items():
        assert sha256(download(page, f"{folder_url}/{name}")) == sha256(data)


def test_publish_together_has_no_axe_finding(page, folder_url, axe_source):
    """The batch's panel: open, with a refusal in words, and published."""
    set_settings(allowed_mime_types=[])
    open_upload_page(page, folder_url)
    page.locator("#tusupload-together").check()
    page.locator(".tusupload-session").wait_for()
    found = {"open": axe_violations(page, axe_source)}
    page.evaluate(
        "() => document.querySelector('.tusupload-page').together"
        ".showError('report.pdf was refused: the folder has an item report.pdf')"
    )
    found["refusal"] = axe_violations(page, axe_source)
    drop(page, [("a.txt", "text/plain", b"a")])
    start_upload(page)
    wait_for_all_complete(page)
    page.wait_for_function(
        "() => !document.querySelector('.tusupload-publish').disabled"
    )
    page.locator(".tusupload-publish").click()
    page.wait_for_function(
        "() => document.querySelector('.tusupload-session-done').textContent !== ''"
    )
    found["published"] = axe_violations(page, axe_source)
    assert found == {state: [] for state in found}, found
