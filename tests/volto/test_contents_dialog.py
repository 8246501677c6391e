"""The Contents view's upload dialog, in Chromium, against a real stack.

Issue 23, "Done when": an editor drops three files, one of 256 MiB, into a
folder's Contents; the network goes offline mid-upload and comes back; the
page reloads mid-upload and the upload continues once the file is picked
again; all three arrive byte-identical; the listing shows them without a
reload; 413 and 415 appear in words on the file's row.
"""

from helpers.digests import sha256
from helpers.volto import add_files
from helpers.volto import DIALOG
from helpers.volto import download_sha256
from helpers.volto import emulate
from helpers.volto import items_in
from helpers.volto import MIB
from helpers.volto import network
from helpers.volto import open_contents
from helpers.volto import open_dialog
from helpers.volto import percent
from helpers.volto import row
from helpers.volto import wait_for_percent
from helpers.volto import wait_for_state
from helpers.volto import write_random

import pytest
import struct
import zlib


pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]

# Slow enough that the test can act mid-upload (the big file takes ~10 s).
UPLOAD_SPEED = 30e6


def png(width: int, height: int) -> bytes:
    """A real PNG image (Plone makes scales of it)."""
    rows = b"".join(
        b"\0" + bytes((x * 7 + y * 3) % 256 for x in range(width * 3))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def three_files(tmp_path):
    big = write_random(tmp_path / "big.bin", 256 * MIB)
    image = tmp_path / "photo.png"
    image.write_bytes(png(320, 200))
    notes = tmp_path / "notes.txt"
    notes.write_text("Minutes of the meeting.\n" * 1000)
    return big, image, notes


def test_three_files_survive_an_outage_and_a_reload(
    page, volto, folder, three_files, artifacts
):
    big, image, notes = three_files
    open_contents(page, volto, folder)
    open_dialog(page)
    add_files(page, three_files)
    page.screenshot(path=str(artifacts / "volto-upload-dialog.png"))
    session = network(page)
    emulate(session, upload_bytes_per_second=UPLOAD_SPEED)
    page.locator(f"{DIALOG} .tusupload-start").click()

    # The small files arrive while the big one is on its way, and the
    # folder's listing (behind the dialog) shows them without a reload.
    wait_for_state(page, "photo.png", "done")
    wait_for_state(page, "notes.txt", "done")
    page.wait_for_function(
        "() => ['photo.png', 'notes.txt'].every((name) => document"
        ".querySelector('#contents-table-wrapper').innerText.includes(name))"
    )
    wait_for_percent(page, "big.bin", 15)
    page.screenshot(path=str(artifacts / "volto-upload-progress.png"))

    # Offline: nothing moves, the dialog says so; back online, it goes on.
    emulate(session, upload_bytes_per_second=UPLOAD_SPEED, offline=True)
    page.wait_for_selector(".tusupload-offline")
    page.wait_for_timeout(1500)
    stalled = percent(page, "big.bin")
    page.wait_for_timeout(2000)
    assert percent(page, "big.bin") <= stalled + 2
    page.screenshot(path=str(artifacts / "volto-upload-offline.png"))
    emulate(session, upload_bytes_per_second=UPLOAD_SPEED)
    page.wait_for_selector(".tusupload-offline", state="detached")
    wait_for_percent(page, "big.bin", stalled + 5)

    # Reload mid-upload: the dialog lists the unfinished upload; picked
    # again, it continues where it stopped, not from the start.
    wait_for_percent(page, "big.bin", 45)
    before_reload = percent(page, "big.bin")
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    open_contents(page, volto, folder)
    session = network(page)
    emulate(session, upload_bytes_per_second=UPLOAD_SPEED)
    open_dialog(page)
    unfinished = page.locator('.tusupload-unfinished li[data-file-name="big.bin"]')
    unfinished.wait_for()
    page.screenshot(path=str(artifacts / "volto-upload-unfinished.png"))
    # Where the upload went, asked with HEAD (as a POST that says it means
    # HEAD: Volto's proxy drops a HEAD's headers), not created anew.
    resumed = []
    page.on(
        "request",
        lambda request: (
            resumed.append(
                request.headers.get("x-http-method-override", request.method)
            )
            if "/@tus-upload" in request.url
            else None
        ),
    )
    unfinished.locator(".tusupload-pick-again").set_input_files(str(big))
    # From the start, 3 s at this speed would be a third of the file.
    wait_for_percent(page, "big.bin", before_reload, timeout=3_000)
    wait_for_state(page, "big.bin", "done", timeout=300_000)
    asked = [method for method in resumed if method != "OPTIONS"]
    assert asked[:3] == ["HEAD"] * 3, asked[:6]

    # All three arrived, byte-identical, as File and Image; listed in the
    # Contents view as they arrived.
    page.wait_for_function(
        "() => document.querySelector('#contents-table-wrapper')"
        ".innerText.includes('big.bin')"
    )
    items = items_in(volto, folder)
    assert {name: items[name]["@type"] for name in items} == {
        "big.bin": "File",
        "photo.png": "Image",
        "notes.txt": "File",
    }
    for path in three_files:
        assert download_sha256(volto, items[path.name]) == sha256(path)
    page.screenshot(path=str(artifacts / "volto-upload-done.png"))


def test_refusals_are_shown_on_the_rows_in_words(
    page, volto, folder, settings, tmp_path, artifacts
):
    """The server refuses one file for its size (413), one for its type (415)."""
    large = write_random(tmp_path / "large.bin", 2 * MIB)
    notes = tmp_path / "notes.txt"
    notes.write_text("text")
    fine = tmp_path / "fine.png"
    fine.write_bytes(png(40, 30))
    open_contents(page, volto, folder)
    open_dialog(page)
    add_files(page, [large, notes, fine])
    # Limits set after the files were chosen: the server refuses them.
    settings(
        max_upload_size=1, allowed_mime_types=["image/*", "application/octet-stream"]
    )
    page.locator(f"{DIALOG} .tusupload-start").click()
    wait_for_state(page, "large.bin", "refused")
    wait_for_state(page, "notes.txt", "refused")
    wait_for_state(page, "fine.png", "done")
    assert (
        row(page, "large.bin")
        .inner_text()
        .count("large.bin is larger than 1 MiB, the largest file this site accepts.")
    )
    assert (
        row(page, "notes.txt")
        .inner_text()
        .count("notes.txt is of type text/plain, which can't be uploaded here.")
    )
    # Refusals for good offer no retry.
    assert row(page, "large.bin").locator("button[aria-label^='Retry']").count() == 0
    assert page.locator(f"{DIALOG} button", has_text="Retry all").count() == 0
    page.screenshot(path=str(artifacts / "volto-upload-refused.png"))
