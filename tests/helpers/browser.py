"""What the browser tests do on the upload page, in the editor's terms."""

from plone import api

import base64
import os
import transaction


MIB = 1024 * 1024
DASHBOARD = ".tusupload-page .uppy-Dashboard-inner"
UPPY = "document.querySelector('.tusupload-page').uppy"

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
        f"""() => {UPPY}.getFiles().map(
            (file) => ({{id: file.id, name: file.name, error: file.error || null,
                        isPaused: !!file.isPaused, isGhost: !!file.isGhost,
                        complete: !!file.progress.uploadComplete,
                        uploaded: file.progress.bytesUploaded || 0,
                        total: file.size}}))"""
    )


def file_state(page, name: str) -> dict:
    return next(file for file in uppy_files(page) if file["name"] == name)


def start_upload(page) -> None:
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def wait_for_progress(page, name: str, fraction: float, timeout: float = 30_000):
    page.wait_for_function(
        f"""([name, fraction]) => {{
          const file = {UPPY}.getFiles().find((file) => file.name === name)
          return file && file.progress.bytesUploaded >= fraction * file.size
        }}""",
        arg=[name, fraction],
        timeout=timeout,
    )


def wait_for_all_complete(page, timeout: float = 60_000) -> None:
    page.wait_for_function(
        f"""() => {{
          const uppy = {UPPY}
          const files = uppy.getFiles()
          return files.length > 0 && files.every((f) => f.progress.uploadComplete)
            && uppy.getState().totalProgress === 100
        }}""",
        timeout=timeout,
    )


def wait_for_errors(page, count: int = 1, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"(count) => {UPPY}.getFiles().filter((file) => file.error).length >= count",
        arg=count,
        timeout=timeout,
    )


def download(page, item_url: str, field: str = "file") -> bytes:
    """The stored file, fetched with the editor's session cookie."""
    response = page.request.get(f"{item_url}/@@download/{field}")
    assert response.status == 200, response.status
    return response.body()


def finished_links(page) -> dict[str, str]:
    links = page.locator(".tusupload-finished a.tusupload-open")
    return {
        links.nth(index).inner_text(): links.nth(index).get_attribute("href")
        for index in range(links.count())
    }


def item_url_for(page, name: str) -> str:
    return page.evaluate(
        f"""(name) => {{
          const file = {UPPY}.getFiles().find((file) => file.name === name)
          return file && file.tusupload ? file.tusupload['@id'] : null
        }}""",
        name,
    )


def set_settings(**values) -> None:
    """Change the add-on's settings and commit, so the server sees them."""
    transaction.begin()
    for name, value in values.items():
        api.portal.set_registry_record(f"collective.tusupload.{name}", value)
    transaction.commit()


def tile(page, name: str):
    """The Dashboard's tile of the file called ``name``."""
    return page.locator(".uppy-Dashboard-Item", has_text=name).first


def tus_requests(page, endpoint: str) -> list[tuple[str, str, dict]]:
    """Record the tus requests the page makes: (method, url, headers)."""
    seen = []
    page.on(
        "request",
        lambda request: (
            seen.append((request.method, request.url, request.headers))
            if request.url.startswith(endpoint)
            else None
        ),
    )
    return seen


GENERATE_FILE = """
([selector, name, size, seed]) => {
  // Bytes made in the page: large files without sending them over the
  // DevTools connection. Not random, but no two offsets alike.
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  for (let offset = 0; offset + 4 <= size; offset += 4) {
    view.setUint32(offset, (Math.imul(offset, 2654435761) + seed) >>> 0)
  }
  const transfer = new DataTransfer()
  transfer.items.add(new File([bytes], name, {
    type: 'application/octet-stream', lastModified: 1_700_000_000_000,
  }))
  const target = document.querySelector(selector)
  for (const type of ['dragenter', 'dragover', 'drop']) {
    target.dispatchEvent(new DragEvent(type, {
      bubbles: true, cancelable: true, dataTransfer: transfer,
    }))
  }
}
"""


def drop_generated(page, name: str, size: int, seed: int = 7) -> None:
    """Drop a file of ``size`` bytes made inside the page."""
    page.wait_for_selector(DASHBOARD)
    page.evaluate(GENERATE_FILE, [DASHBOARD, name, size, seed])


def generated_bytes(size: int, seed: int = 7) -> bytes:
    """The bytes :func:`drop_generated` makes, for comparing downloads."""
    import struct

    words = [
        ((offset * 2654435761 + seed) & 0xFFFFFFFF) for offset in range(0, size - 3, 4)
    ]
    data = struct.pack(f">{len(words)}I", *words)
    return data + bytes(size - len(data))


def seconds_left(page) -> float | None:
    """The status bar's time estimate in seconds, if it shows one."""
    import re

    text = page.locator(".uppy-StatusBar-statusSecondary").first.inner_text()
    match = re.search(r"((?:\d+h ?)?(?:\d+m ?)?(?:\d+s)?) left", text)
    if not match or not match.group(1).strip():
        return None
    total = 0
    for value, unit in re.findall(r"(\d+)([hms])", match.group(1)):
        total += int(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def axe_violations(page, axe_source: str) -> list[dict]:
    """Serious and critical findings of axe-core in the page's content.

    Plone's own frame (toolbar, search, footer) is left out: its findings
    are Plone's (the contrast of its footer links, an aria-label on the
    toolbar's collapse control), not the upload page's.
    """
    # Colours are checked as they are once Uppy's fades have ended.
    page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running')"
    )
    page.wait_for_timeout(400)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => {
          const results = await axe.run({ include: [['#content']] }, {
            resultTypes: ['violations'],
          })
          return results.violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => node.target.join(' ')),
          }))
        }"""
    )
    return [item for item in results if item["impact"] in ("serious", "critical")]
