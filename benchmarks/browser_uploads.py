"""One upload each: tuspy, the upload page in Playwright's Chromium, in an
unobserved Chromium, and Chromium to the sink unobserved."""

from __future__ import annotations

from browser_chromium import chromium_pids
from browser_chromium import Unobserved
from browser_sink import SINK_NAME
from browser_sink import SinkServer
from browser_sink import UNOBSERVED
from browser_site import basic_auth
from browser_site import EDITOR
from browser_site import Site
from pathlib import Path
from processes import cpu_seconds
from processes import settle

import json
import statistics
import time


def upload_with_tuspy(site: Site, path: Path, chunk_size: int) -> dict:
    from tusclient import client as tus_client

    tus = tus_client.TusClient(f"{site.folder_url}/@tus-upload", headers=basic_auth())
    uploader = tus.uploader(
        str(path),
        chunk_size=chunk_size,
        metadata={"filename": path.name, "content-type": "application/octet-stream"},
        retries=0,
    )
    cpu_before = cpu_seconds(site.process.pid)
    started = time.perf_counter()
    uploader.upload()
    elapsed = time.perf_counter() - started
    return {
        "client": "tuspy",
        "seconds": elapsed,
        "mb_s": path.stat().st_size / elapsed / 1e6,
        "server_cpu": cpu_seconds(site.process.pid) - cpu_before,
    }


# Times the upload inside the page: from the press of Upload (Uppy's
# ``upload`` event) to its ``complete`` event.
WATCH_UPLOAD = """
() => {
  const uppy = document.querySelector('.tusupload-page').uppy
  window.benchUpload = new Promise((resolve) => {
    let started = null
    uppy.once('upload', () => { started = performance.now() })
    uppy.once('complete', (result) => resolve({
      ms: performance.now() - started,
      successful: result.successful.length,
      failed: result.failed.length,
    }))
  })
}
"""


def log_in(page, site: Site) -> None:
    page.goto(f"{site.url}/login")
    page.fill('input[name="__ac_name"]', EDITOR[0])
    page.fill('input[name="__ac_password"]', EDITOR[1])
    page.locator("#login-form").get_by_role("button", name="Log in").click()
    page.wait_for_selector("#portal-personaltools, .personaltools-wrapper, #toolbar")


def upload_with_browser(
    site: Site, browser, path: Path, *, tus_options: dict | None
) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(600_000)
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site.folder_url}/@@upload-files")
    page.wait_for_selector(".tusupload-page .uppy-Dashboard-inner")
    page.locator(".uppy-Dashboard-input").first.set_input_files(str(path))
    if tus_options:
        # Per file, as the page decides them (it leaves decided files alone).
        page.evaluate(
            """(options) => {
              const uppy = document.querySelector('.tusupload-page').uppy
              for (const file of uppy.getFiles()) {
                uppy.setFileState(file.id, {tus: {...file.tus, ...options,
                  parallelUploadsDecided: true}})
              }
            }""",
            tus_options,
        )
    page.wait_for_selector(".uppy-StatusBar-actionBtn--upload")
    requests = []

    def finished(request) -> None:
        if "/@tus-upload" in request.url:
            requests.append((request.method, request.timing))

    page.on("requestfinished", finished)
    settled = settle(chromium_pids)
    pids = [site.process.pid]
    server_before = cpu_seconds(*pids)
    browser_before = cpu_seconds(*chromium_pids())
    page.evaluate(WATCH_UPLOAD)
    page.locator(".uppy-StatusBar-actionBtn--upload").click()
    outcome = page.evaluate("() => window.benchUpload")
    server_cpu = cpu_seconds(*pids) - server_before
    browser_cpu = cpu_seconds(*chromium_pids()) - browser_before
    settings = page.evaluate(
        """() => {
          const uppy = document.querySelector('.tusupload-page').uppy
          const options = {...uppy.getPlugin('Tus').opts, ...uppy.getFiles()[0].tus}
          return {chunkSize: options.chunkSize,
                  parallelUploads: options.parallelUploads || 1}
        }"""
    )
    context.close()
    if outcome["failed"] or not outcome["successful"]:
        raise RuntimeError(f"the browser's upload failed: {outcome}")
    return upload_result(
        "browser",
        path,
        outcome,
        server_cpu=server_cpu,
        browser_cpu=browser_cpu,
        requests=request_summary(requests),
        settings=settings,
        settled_s=settled,
    )


# As WATCH_UPLOAD, but presses Upload itself and reports to the sink.
REPORT_UPLOAD = """
(() => {
  const uppy = document.querySelector('.tusupload-page').uppy
  let started = null
  uppy.once('upload', () => { started = performance.now() })
  uppy.once('complete', (result) => {
    const options = {...uppy.getPlugin('Tus').opts, ...uppy.getFiles()[0].tus}
    fetch(SINK + '/done', {method: 'POST', mode: 'no-cors', body: JSON.stringify({
      ms: performance.now() - started,
      successful: result.successful.length,
      failed: result.failed.length,
      settings: {chunkSize: options.chunkSize,
                 parallelUploads: options.parallelUploads || 1},
    })})
  })
  document.querySelector('.uppy-StatusBar-actionBtn--upload').click()
})()
"""


def upload_unobserved(
    site: Site, chromium: Unobserved, sink, path: Path, *, tus_options: dict | None
) -> dict:
    """The upload page in Chromium that no DevTools client watches."""
    context, target, session = chromium.open(f"{site.url}/login")
    chromium.wait_for(session, "!!document.querySelector('#login-form')")
    chromium.evaluate(
        session,
        f"""(() => {{
          document.querySelector('input[name="__ac_name"]').value =
            {json.dumps(EDITOR[0])}
          document.querySelector('input[name="__ac_password"]').value =
            {json.dumps(EDITOR[1])}
          const buttons = document.querySelectorAll(
            '#login-form button, #login-form input[type=submit]')
          for (const button of buttons) {{
            if ((button.textContent || button.value).trim() === 'Log in') {{
              button.click()
            }}
          }}
        }})()""",
    )
    chromium.wait_for(
        session,
        "!location.pathname.endsWith('/login') && "
        "!!document.querySelector('#portal-personaltools, "
        ".personaltools-wrapper, #toolbar')",
    )
    chromium.navigate(session, f"{site.folder_url}/@@upload-files")
    chromium.wait_for(
        session, "!!document.querySelector('.tusupload-page .uppy-Dashboard-inner')"
    )
    chromium.set_file(session, ".uppy-Dashboard-input", path)
    chromium.wait_for(
        session, "document.querySelector('.tusupload-page').uppy.getFiles().length"
    )
    if tus_options:
        chromium.evaluate(
            session,
            f"""(() => {{
              const options = {json.dumps(tus_options)}
              const uppy = document.querySelector('.tusupload-page').uppy
              for (const file of uppy.getFiles()) {{
                uppy.setFileState(file.id, {{tus: {{...file.tus, ...options,
                  parallelUploadsDecided: true}}}})
              }}
            }})()""",
        )
    chromium.wait_for(
        session, "!!document.querySelector('.uppy-StatusBar-actionBtn--upload')"
    )
    server_before = cpu_seconds(site.process.pid)
    outcome, browser_cpu, settled = chromium.run_unobserved(
        session, f"const SINK = {json.dumps(sink.url)};{REPORT_UPLOAD}", sink
    )
    server_cpu = cpu_seconds(site.process.pid) - server_before
    chromium.close_page(context, target)
    if outcome["failed"] or not outcome["successful"]:
        raise RuntimeError(f"the unobserved browser's upload failed: {outcome}")
    return upload_result(
        "browser",
        path,
        outcome,
        server_cpu=server_cpu,
        browser_cpu=browser_cpu,
        settings=outcome["settings"],
        settled_s=settled,
    )


def upload_to_sink_unobserved(
    sink: SinkServer, chromium: Unobserved, path: Path, settings: dict
) -> dict:
    context, target, session = chromium.open(f"{sink.url}/")
    chromium.set_file(session, "input", path)
    outcome, browser_cpu, settled = chromium.run_unobserved(
        session,
        f"benchReport({settings['parallelUploads']}, {settings['chunkSize']})",
        sink,
    )
    chromium.close_page(context, target)
    return upload_result(
        SINK_NAME + UNOBSERVED,
        path,
        outcome,
        browser_cpu=browser_cpu,
        settings=settings,
        settled_s=settled,
    )


def upload_result(client: str, path: Path, outcome: dict, **measures) -> dict:
    """One upload's row: its time and speed from the page's report, and more."""
    seconds = outcome["ms"] / 1000
    return {
        "client": client,
        "seconds": seconds,
        "mb_s": path.stat().st_size / seconds / 1e6,
        **measures,
    }


def request_summary(requests: list) -> dict:
    """Count the requests and split their time into in-request and between."""
    spans = []
    for method, timing in requests:
        start = timing["startTime"]
        end = start + timing["responseEnd"]
        spans.append((start, end, method))
    spans.sort()
    patches = [end - start for start, end, method in spans if method == "PATCH"]
    busy = 0.0
    covered_until = None
    for start, end, _method in spans:
        if covered_until is None or start >= covered_until:
            busy += end - start
            covered_until = end
        elif end > covered_until:
            busy += end - covered_until
            covered_until = end
    wall = (spans[-1][1] - spans[0][0]) if spans else 0.0
    methods: dict[str, int] = {}
    for _start, _end, method in spans:
        methods[method] = methods.get(method, 0) + 1
    return {
        "count": len(spans),
        "methods": methods,
        "patch_ms_median": statistics.median(patches) if patches else None,
        "idle_ms": max(0.0, wall - busy),
        "wall_ms": wall,
    }
