"""What the Volto tests do, in the editor's terms."""

from helpers.digests import sha256

import os
import requests


EDITOR = ("volto-editor", "volto-editor-secret-42")
MIB = 1024 * 1024
DIALOG = ".tusupload-dialog"
ROW = ".tusupload-row"


def write_random(path, size: int):
    with open(path, "wb") as output:
        left = size
        while left:
            block = min(left, 4 * MIB)
            output.write(os.urandom(block))
            left -= block
    return path


def open_contents(page, volto, folder: str) -> None:
    page.goto(f"{volto.url}{folder}/contents")
    page.wait_for_selector("#content-core, .contents", timeout=30_000)
    page.wait_for_selector("button.upload")


def open_dialog(page) -> None:
    page.locator("button.upload").first.click()
    page.wait_for_selector(DIALOG)


def add_files(page, paths) -> None:
    page.locator(f"{DIALOG} .tusupload-input").set_input_files([str(p) for p in paths])
    page.wait_for_function(
        "(count) => document.querySelectorAll('.tusupload-row').length >= count",
        arg=len(paths),
    )


def row(page, name: str):
    return page.locator(f'{ROW}[data-file-name="{name}"]')


def percent(page, name: str) -> int:
    value = (
        row(page, name).locator('[role="progressbar"]').get_attribute("aria-valuenow")
    )
    return int(value or 0)


def wait_for_state(page, name: str, state: str, timeout: float = 120_000) -> None:
    page.wait_for_selector(
        f'{ROW}.tusupload-{state}[data-file-name="{name}"]', timeout=timeout
    )


def wait_for_percent(page, name: str, at_least: int, timeout: float = 120_000) -> None:
    page.wait_for_function(
        """([name, least]) => {
          const bar = document.querySelector(
            `.tusupload-row[data-file-name="${name}"] [role="progressbar"]`)
          return bar && Number(bar.getAttribute('aria-valuenow')) >= least
        }""",
        arg=[name, at_least],
        timeout=timeout,
    )


def network(page):
    """A DevTools session on the page, for :func:`emulate`."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    return session


def emulate(session, *, upload_bytes_per_second: float | None, offline: bool = False):
    """Chromium's network emulation: upload speed, offline (fires the
    browser's offline and online events)."""
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": offline,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": upload_bytes_per_second or -1,
        },
    )


def items_in(volto, folder: str) -> dict[str, dict]:
    """The folder's items by title (admin's view, from the backend)."""
    response = volto.backend.api(
        "GET", f"{folder}/@search", params={"path.depth": 1, "metadata_fields": "_all"}
    )
    assert response.status_code == 200, response.text
    return {item["title"]: item for item in response.json()["items"]}


def download_sha256(volto, item: dict) -> str:
    """The sha256 of an item's stored file (File or Image), from the backend."""
    field = "image" if item["@type"] == "Image" else "file"
    url = f"{item['@id']}/@@download/{field}"
    with requests.get(
        url, auth=("admin", "admin"), stream=True, timeout=120
    ) as response:
        assert response.status_code == 200, (url, response.status_code)
        return sha256(response.iter_content(4 * MIB))


def log_in(page, volto) -> None:
    """Log in as the editor through Volto's login form."""
    page.goto(f"{volto.url}/login")
    page.fill("#login", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.click("#login-form-submit")
    page.wait_for_selector("#toolbar .toolbar-actions, #toolbar", timeout=30_000)
    page.wait_for_function("() => !location.pathname.endsWith('/login')")
