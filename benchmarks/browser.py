"""The upload page in a real Chromium against tuspy, to the same Plone site.

Why a script of its own: the other benchmarks drive every server with one lean
client, so that they compare servers. This one keeps the server fixed and
compares clients: the editor's browser on ``@@upload-files`` (Uppy and
tus-js-client in Debian's Chromium, driven by Playwright) and tuspy, the
command-line client, sending the same file to the same folder of the same
site, in alternating rounds of one run. The ratio of the two is what counts:
on a shared machine absolute figures move with the load (the report gives the
load average), the ratio much less.

Besides the speed, it reports where the browser's time went: the requests it
made, how long the PATCH requests took, the time between requests, and the
CPU time Chromium and the server used. As Playwright watches every request
over the DevTools protocol, each upload is also made in a Chromium that
nothing watches while it uploads (``Unobserved``): the speed an editor's
browser has.

Run it from the checkout (``.venv`` with Plone and the add-on, Chromium at
``/usr/bin/chromium`` or ``$CHROMIUM``)::

    .venv/bin/python benchmarks/browser.py              # 256 MiB, 3 rounds
    .venv/bin/python benchmarks/browser.py --size 64 --rounds 1

It writes ``benchmarks/results/browser-<date>.md`` (and ``.json``).
The same file doubles as the ``zconsole run`` script that adds the editor the
browser logs in as (``TUSUPLOAD_BENCH_SETUP=1``).
"""

from __future__ import annotations

from pathlib import Path

import argparse
import base64
import datetime
import fcntl
import http.client
import json
import os
import platform
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


# ``zconsole run`` runs this file without ``__file__``; it is argv[0] then.
HERE = Path(globals().get("__file__") or sys.argv[0]).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HOST = "127.0.0.1"
SITE = "addon"
FOLDER = "bench"
ADMIN = ("admin", "admin")
EDITOR = ("bench-editor", "bench-editor-secret-42")
THREADS = 4
MIB = 1024 * 1024


# -- the site ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def basic_auth() -> dict[str, str]:
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Site:
    """A Zope instance in a temporary directory with the add-on's site."""

    def __init__(self, workdir: Path, *, chunk_size: int) -> None:
        self.workdir = workdir
        self.chunk_size = chunk_size
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = None
        self.env = {
            **os.environ,
            "HOST": HOST,
            "PORT": str(self.port),
            "THREADS": str(THREADS),
            "INSTANCE_DIR": str(workdir / "instance"),
            "VAR_DIR": str(workdir / "var"),
            "ADMIN_USER": ADMIN[0],
            "ADMIN_PASSWORD": ADMIN[1],
        }

    @property
    def url(self) -> str:
        # Plone serves 127.0.0.1 unthemed (Site Setup > Theming), so the
        # browser asks for localhost, as an editor would.
        return f"http://localhost:{self.port}/{SITE}"

    @property
    def folder_url(self) -> str:
        return f"{self.url}/{FOLDER}"

    def start(self) -> None:
        subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "make_instance.py")],
            env=self.env,
            check=True,
            capture_output=True,
        )
        conf = str(self.workdir / "instance" / "etc" / "zope.conf")
        for script, extra in (
            (HERE / "zope_sites.py", {"BENCH_SITE": SITE}),
            (HERE / "browser.py", {"TUSUPLOAD_BENCH_SETUP": "1"}),
        ):
            result = subprocess.run(
                [str(BIN / "zconsole"), "run", conf, str(script)],
                env={
                    **self.env,
                    **extra,
                    "BENCH_CHUNK_SIZE": str(self.chunk_size),
                },
                capture_output=True,
            )
            if result.returncode:
                raise RuntimeError(
                    f"{script.name} failed: {result.stderr.decode()[-2000:]}"
                )
        self.log = open(self.workdir / "zope.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BIN / "runwsgi"), str(self.workdir / "instance" / "etc" / "zope.ini")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Zope exited: see {self.workdir / 'zope.log'}")
            try:
                self.request("GET", f"/{SITE}")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        connection.request(method, path, body=body, headers={**(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data

    def delete_items(self) -> None:
        """Delete what the uploads made and pack, so blobs leave the disk."""
        status, data = self.request(
            "GET",
            f"/{SITE}/{FOLDER}/@search?path.depth=1&b_size=1000",
            headers={**basic_auth(), "Accept": "application/json"},
        )
        for item in json.loads(data).get("items", []) if status == 200 else []:
            path = urllib.parse.urlsplit(item["@id"]).path
            self.request(
                "DELETE", path, headers={**basic_auth(), "Accept": "application/json"}
            )
        self.request(
            "POST",
            "/Control_Panel/Database/main/manage_pack",
            body=b"days:float=0",
            headers={
                **basic_auth(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.log is not None:
            self.log.close()


def setup_site(app) -> None:  # pragma: no cover - runs under zconsole
    """Add the editor the browser logs in as; set the chunk size hint."""
    from AccessControl.SecurityManagement import newSecurityManager
    from plone import api
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite

    import transaction

    app = makerequest(app)
    newSecurityManager(None, app.acl_users.getUser(ADMIN[0]).__of__(app.acl_users))
    site = app[SITE]
    setSite(site)
    if site.acl_users.getUserById(EDITOR[0]) is None:
        site.acl_users.userFolderAddUser(
            EDITOR[0], EDITOR[1], ["Member", "Contributor", "Editor"], []
        )
    chunk_size = int(os.environ.get("BENCH_CHUNK_SIZE") or 8)
    api.portal.set_registry_record("collective.tusupload.chunk_size", chunk_size)
    transaction.commit()


# -- measuring -----------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes and all their children."""
    import psutil

    total = 0.0
    seen = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in processes:
            if process.pid in seen:
                continue
            seen.add(process.pid)
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
    return total


def chromium_pids() -> list[int]:
    """Chromium's processes started through Playwright (not Unobserved's)."""
    import psutil

    children = psutil.Process().children(recursive=True)
    unobserved = set()
    for process in children:
        if process.pid in UNOBSERVED_PIDS:
            unobserved |= {process.pid, *(p.pid for p in process.children(True))}
    return [
        process.pid
        for process in children
        if process.name().startswith("chrom") and process.pid not in unobserved
    ]


UNOBSERVED_PIDS: set[int] = set()


def settle(pids, *, quiet: float = 0.05, period: float = 0.5) -> float:
    """Wait until Chromium is idle; the seconds waited.

    Each upload here has a new browser context (a fresh profile, logged out),
    and for each Chromium starts a renderer process for its own WebUI
    (``--top-chrome-webui``), which takes about 0.9 CPU seconds in the first
    1.5 s; on two CPUs that slowed an upload started at once by more than a
    quarter. An editor's browser has its one profile long started and the
    editor presses Upload seconds after the page has loaded, so each upload
    here starts once Chromium's processes (``pids()``) used less than
    ``quiet`` CPU seconds in ``period`` (at most 15 s).
    """
    started = time.monotonic()
    before = cpu_seconds(pids())
    while time.monotonic() - started < 15:
        time.sleep(period)
        now = cpu_seconds(pids())
        if now - before < quiet:
            break
        before = now
    return time.monotonic() - started


def make_file(directory: Path, size: int) -> Path:
    path = directory / f"bench-{size // MIB}MiB.bin"
    with open(path, "wb") as output:
        left = size
        while left:
            block = min(left, 4 * MIB)
            output.write(os.urandom(block))
            left -= block
    return path


def upload_with_tuspy(site: Site, path: Path, chunk_size: int) -> dict:
    from tusclient import client as tus_client

    tus = tus_client.TusClient(f"{site.folder_url}/@tus-upload", headers=basic_auth())
    uploader = tus.uploader(
        str(path),
        chunk_size=chunk_size,
        metadata={"filename": path.name, "content-type": "application/octet-stream"},
        retries=0,
    )
    cpu_before = cpu_seconds([site.process.pid])
    started = time.perf_counter()
    uploader.upload()
    elapsed = time.perf_counter() - started
    return {
        "client": "tuspy",
        "seconds": elapsed,
        "mb_s": path.stat().st_size / elapsed / 1e6,
        "server_cpu": cpu_seconds([site.process.pid]) - cpu_before,
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
    server_before = cpu_seconds(pids)
    browser_before = cpu_seconds(chromium_pids())
    page.evaluate(WATCH_UPLOAD)
    page.locator(".uppy-StatusBar-actionBtn--upload").click()
    outcome = page.evaluate("() => window.benchUpload")
    server_cpu = cpu_seconds(pids) - server_before
    browser_cpu = cpu_seconds(chromium_pids()) - browser_before
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


# Chromium's own ceiling: the same file, the same number of connections and
# pieces, sent with plain XMLHttpRequests to a server that only reads the
# bodies. What the page reaches of it is what the page (Uppy, tus-js-client,
# the tus protocol, Plone) costs; the rest is Chromium's.
SINK_PAGE = """<!doctype html><html lang="en"><title>sink</title><input type="file">
<script>
function send(body) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('PATCH', '/sink')
    request.onload = resolve
    request.onerror = reject
    request.upload.onprogress = () => {}
    request.send(body)
  })
}
window.bench = async (connections, piece) => {
  const file = document.querySelector('input').files[0]
  const parts = []
  const part = Math.ceil(file.size / connections)
  for (let start = 0; start < file.size; start += part) {
    const end = Math.min(file.size, start + part)
    const offsets = []
    for (let offset = start; offset < end; offset += piece) {
      offsets.push([offset, Math.min(end, offset + piece)])
    }
    parts.push(offsets)
  }
  const started = performance.now()
  await Promise.all(parts.map(async (offsets) => {
    for (const [from, to] of offsets) await send(file.slice(from, to))
  }))
  return performance.now() - started
}
// The same, reported to the sink's /done (for a page that no client watches).
window.benchReport = (connections, piece) => bench(connections, piece).then(
  (ms) => fetch('/done', {method: 'POST', body: JSON.stringify({ms})}))
</script></html>
"""

SINK = """
import http.server, socketserver, sys

PAGE = sys.argv[2].encode()


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_PATCH(self):
        left = int(self.headers["Content-Length"])
        block = bytearray(1 << 20)
        while left:
            left -= self.rfile.readinto(memoryview(block)[: min(left, len(block))])
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        # An unobserved page's report of its upload (see Unobserved).
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if self.path == "/done":
            sys.stdout.write("DONE " + body.decode() + "\\n")
            sys.stdout.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
"""


class SinkServer:
    """A server that reads request bodies and keeps nothing."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port), SINK_PAGE],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.reports: queue.Queue = queue.Queue()
        threading.Thread(target=self.read_reports, daemon=True).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the sink did not start")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def read_reports(self) -> None:
        for line in self.process.stdout:
            if line.startswith("DONE "):
                self.reports.put(json.loads(line[5:]))

    def report(self) -> dict:
        """The next report a page sent to ``/done``."""
        return self.reports.get(timeout=600)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)


def upload_to_sink(sink: SinkServer, browser, path: Path, settings: dict) -> dict:
    """Chromium sending ``path`` as the page did, to the sink."""
    context = browser.new_context()
    context.set_default_timeout(600_000)
    page = context.new_page()
    page.goto(f"http://{HOST}:{sink.port}/")
    page.locator("input").set_input_files(str(path))
    settled = settle(chromium_pids)
    before = cpu_seconds(chromium_pids())
    milliseconds = page.evaluate(
        "([connections, piece]) => bench(connections, piece)",
        [settings["parallelUploads"], settings["chunkSize"]],
    )
    browser_cpu = cpu_seconds(chromium_pids()) - before
    context.close()
    seconds = milliseconds / 1000
    return {
        "client": SINK_NAME,
        "seconds": seconds,
        "mb_s": path.stat().st_size / seconds / 1e6,
        "browser_cpu": browser_cpu,
        "settings": settings,
        "settled_s": settled,
    }


SINK_NAME = "Chromium to a sink"
UNOBSERVED = ", unobserved"


# -- Chromium that nothing watches ------------------------------------------
#
# Playwright enables the DevTools Network, Page and Runtime domains on each of
# its pages, so Chromium reports every request to it while the upload runs,
# which an editor's browser does not do. To see what that costs, the same
# Chromium is also started with a DevTools pipe of its own: this script
# attaches to a page only to log in, choose the file and press Upload (no
# domain enabled, only Runtime.evaluate, Page.navigate and
# DOM.setFileInputFiles), then detaches; the page times its upload itself
# and reports it to the sink's ``/done``.


def above_4(fd: int) -> int:
    """The same pipe end on a descriptor of 10 or more."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Unobserved:
    """Chromium over a DevTools pipe (fd 3 in, fd 4 out), with its own flags."""

    def __init__(self, profile: Path) -> None:
        to_chromium, self.commands = os.pipe()
        self.replies, from_chromium = os.pipe()
        # Away from 3 and 4, which the shell's redirections below overwrite.
        to_chromium = above_4(to_chromium)
        from_chromium = above_4(from_chromium)
        # bash puts the pipe's ends on fds 3 and 4 for Chromium (dash takes
        # no descriptor above 9).
        self.process = subprocess.Popen(
            [
                "bash",
                "-c",
                f'exec "$0" "$@" 3<&{to_chromium} 4>&{from_chromium}',
                str(CHROMIUM),
                *CHROMIUM_ARGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(to_chromium, from_chromium),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_chromium)
        os.close(from_chromium)
        self.buffer = b""
        self.last_id = 0
        UNOBSERVED_PIDS.add(self.process.pid)
        self.call("Browser.getVersion")

    @property
    def pid(self) -> int:
        return self.process.pid

    def call(self, method: str, params=None, session: str | None = None) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                data = os.read(self.replies, 1 << 16)
                if not data:
                    raise RuntimeError("Chromium closed its DevTools pipe")
                self.buffer += data
            text, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(text)
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, session: str, expression: str):
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, session: str, expression: str, timeout: float = 120) -> None:
        """Until ``expression`` is true in the page (across navigations)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(session, expression):
                    return
            except RuntimeError:
                pass  # the page is navigating
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {expression}")
            time.sleep(0.1)

    def open(self, url: str) -> tuple[str, str, str]:
        """A page in a new browser context: (context, target, session)."""
        context = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call(
            "Target.createTarget", {"url": "about:blank", "browserContextId": context}
        )["targetId"]
        session = self.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        self.navigate(session, url)
        return context, target, session

    def navigate(self, session: str, url: str) -> None:
        self.call("Page.navigate", {"url": url}, session)
        self.wait_for(
            session,
            f"location.href.startsWith({json.dumps(url)}) && "
            "document.readyState === 'complete'",
        )

    def set_file(self, session: str, selector: str, path: Path) -> None:
        element = self.call(
            "Runtime.evaluate",
            {"expression": f"document.querySelector({json.dumps(selector)})"},
            session,
        )["result"]["objectId"]
        self.call(
            "DOM.setFileInputFiles",
            {"files": [str(path)], "objectId": element},
            session,
        )

    def run_unobserved(self, session: str, expression: str, sink) -> tuple:
        """Once Chromium is idle, start ``expression``, detach, wait for the
        page's report to the sink; (report, Chromium CPU seconds, seconds
        settled)."""
        settled = settle(lambda: [self.pid])
        before = cpu_seconds([self.pid])
        self.evaluate(session, f"{expression}; 0")
        self.call("Target.detachFromTarget", {"sessionId": session})
        report = sink.report()
        return report, cpu_seconds([self.pid]) - before, settled

    def close_page(self, context: str, target: str) -> None:
        self.call("Target.closeTarget", {"targetId": target})
        self.call("Target.disposeBrowserContext", {"browserContextId": context})

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.process.wait(20)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        os.close(self.commands)
        os.close(self.replies)


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
    server_before = cpu_seconds([site.process.pid])
    outcome, browser_cpu, settled = chromium.run_unobserved(
        session, f"const SINK = {json.dumps(sink.url)};{REPORT_UPLOAD}", sink
    )
    server_cpu = cpu_seconds([site.process.pid]) - server_before
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


# -- the report ----------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def variant_name(tus_options: dict | None) -> str:
    if not tus_options:
        return "browser"
    return "browser " + ", ".join(
        f"{key}={value}" for key, value in tus_options.items()
    )


def write_report(options, runs: list[dict], facts: dict) -> Path:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    base = results / f"browser-{datetime.date.today().isoformat()}"
    if options.out:
        base = Path(options.out).with_suffix("")
    names = list(dict.fromkeys(run["client"] for run in runs))
    sinks = (SINK_NAME, SINK_NAME + UNOBSERVED)
    browsers = [name for name in names if name != "tuspy" and name not in sinks]
    rounds = sorted({run["round"] for run in runs})
    by_round = {(run["round"], run["client"]): run for run in runs}

    def ratios(name: str) -> list[float]:
        return [
            by_round[(index, name)]["mb_s"] / by_round[(index, "tuspy")]["mb_s"]
            for index in rounds
            if (index, name) in by_round and (index, "tuspy") in by_round
        ]

    def median_speed(name: str) -> float:
        return statistics.median(run["mb_s"] for run in runs if run["client"] == name)

    page = browsers[0]
    ratio = statistics.median(ratios(page))
    target = "met" if ratio >= 0.8 else "missed"
    alone = page + UNOBSERVED
    settings = by_round[(rounds[0], page)]["settings"]
    lines = [
        "# The upload page in Chromium vs tuspy",
        "",
        f"{options.size} MiB, {len(rounds)} rounds, one site (Zope, waitress "
        f"with {THREADS} threads), one folder. Each round uploads the same "
        "file with tuspy, then with Chromium on `@@upload-files`, driven by "
        "Playwright and, in turn, unobserved (see below), and deletes "
        "the items.",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['machine']}, {facts['cpus']} CPUs, shared",
        f"- load average (1, 5, 15 min) before: {facts['load_before']}; "
        f"after: {facts['load_after']}",
        f"- chunk size setting: {options.chunk_size} MiB; tuspy sends pieces "
        "of the same size",
        f"- the page used: chunk size {settings['chunkSize'] // MIB} MiB, "
        f"parallel uploads {settings['parallelUploads']}",
        "",
        f"**Median: {page} {median_speed(page):.0f} MB/s, tuspy "
        f"{median_speed('tuspy'):.0f} MB/s, ratio {ratio:.2f}** "
        f"(target >= 0.8: {target}).",
        "",
    ]
    if alone in names:
        observed = statistics.median(
            by_round[(index, page)]["mb_s"] / by_round[(index, alone)]["mb_s"]
            for index in rounds
            if (index, alone) in by_round and (index, page) in by_round
        )
        alone_ratio = statistics.median(ratios(alone))
        lines += [
            f"**Unobserved**, the same page in the same Chromium with no "
            f"DevTools client attached during the upload, as in an editor's "
            f"browser: **median {median_speed(alone):.0f} MB/s, ratio "
            f"{alone_ratio:.2f}** (target >= 0.8: "
            f"{'met' if alone_ratio >= 0.8 else 'missed'}); driven by "
            f"Playwright the page reaches {observed:.2f} of that (per round).",
            "",
        ]
    if any(run["client"] == SINK_NAME for run in runs):
        ceiling = statistics.median(
            by_round[(index, page)]["mb_s"] / by_round[(index, SINK_NAME)]["mb_s"]
            for index in rounds
            if (index, SINK_NAME) in by_round and (index, page) in by_round
        )
        lines += [
            f"Chromium's own ceiling here, the same file over the same "
            f"connections in the same pieces to a server that only reads "
            f"the bodies: median {median_speed(SINK_NAME):.0f} MB/s, "
            f"{statistics.median(ratios(SINK_NAME)):.2f}x tuspy. The page "
            f"reaches {ceiling:.2f} of it.",
            "",
        ]
    if SINK_NAME + UNOBSERVED in names:
        lines += [
            f"The same to the sink, unobserved: median "
            f"{median_speed(SINK_NAME + UNOBSERVED):.0f} MB/s, "
            f"{statistics.median(ratios(SINK_NAME + UNOBSERVED)):.2f}x tuspy.",
            "",
        ]
    lines += [
        "| round | client | MB/s | x tuspy | requests | PATCH median ms | "
        "idle s | Chromium CPU s | server CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index in rounds:
        tuspy = by_round.get((index, "tuspy"))
        for name in names:
            run = by_round.get((index, name))
            if run is None:
                continue
            if name == "tuspy":
                lines.append(
                    f"| {index} | tuspy | {run['mb_s']:.0f} | 1 | | | | | "
                    f"{run['server_cpu']:.1f} |"
                )
                continue
            if name in sinks or "requests" not in run:
                lines.append(
                    f"| {index} | {name} | {run['mb_s']:.0f} | "
                    f"{run['mb_s'] / tuspy['mb_s']:.2f} | | | | "
                    f"{run['browser_cpu']:.1f} | "
                    + (f"{run['server_cpu']:.1f} |" if "server_cpu" in run else "|")
                )
                continue
            requests = run["requests"]
            methods = ", ".join(
                f"{method} {count}"
                for method, count in sorted(requests["methods"].items())
            )
            patch = requests["patch_ms_median"]
            patch = "" if patch is None else f"{patch:.0f}"
            lines.append(
                f"| {index} | {name} | {run['mb_s']:.0f} | "
                f"{run['mb_s'] / tuspy['mb_s']:.2f} | {requests['count']} "
                f"({methods}) | {patch} | {requests['idle_ms'] / 1000:.2f} | "
                f"{run['browser_cpu']:.1f} | {run['server_cpu']:.1f} |"
            )
    if len(browsers) > 1:
        lines += ["", "Median ratio to tuspy per variant:", ""]
        lines += [
            f"- {name}: {statistics.median(ratios(name)):.2f} "
            f"({median_speed(name):.0f} MB/s)"
            for name in browsers
        ]
    lines += [
        "",
        "MB/s are 10^6 bytes per second over the whole upload: from pressing "
        "Upload to Uppy's `complete` event in the browser, from the creation "
        "request to the final reply with tuspy; both include making the item. "
        "The ratio is taken per round (tuspy and the browser a few seconds "
        "apart), then its median. Requests, PATCH times and idle time (no tus "
        "request in flight) come from Chromium's resource timing; CPU seconds "
        "are those of Chromium's processes and of the Zope process during the "
        "upload. Each browser upload starts once Chromium is idle (at most "
        "15 s after the page was ready): each upload has a new browser "
        "context, for which Chromium starts a renderer for its own WebUI, "
        "about 0.9 CPU seconds that slowed an upload started at once by more "
        "than a quarter; an editor's browser has started its profile long "
        "before. "
        "Playwright enables DevTools' Network, Page and Runtime "
        "domains on its pages, so Chromium reports each request to it; the "
        "rows marked unobserved are the same Chromium binary with the same "
        "flags (not those Playwright adds), started with a DevTools "
        "pipe of the script's own, which uses it to log in, choose the file "
        "and press Upload (no domain enabled) and then detaches, so that "
        "nothing watches the upload; the page times itself and reports to "
        "the sink. Requests are not counted there (that would need watching).",
        "",
    ]
    base.with_suffix(".md").write_text("\n".join(lines))
    base.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "runs": runs}, indent=2)
    )
    return base.with_suffix(".md")


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="MiB (256)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument(
        "--chunk-size", type=int, default=8, help="the site's chunk size, MiB (8)"
    )
    parser.add_argument(
        "--tus-options",
        action="append",
        default=[],
        help="also run the page with these options of its Tus plugin (JSON), "
        "e.g. '{\"parallelUploads\": 1}'; may be repeated",
    )
    parser.add_argument("--out", default="", help="report path (.md)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = parse_options(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium package")
        return 2
    from playwright.sync_api import sync_playwright

    variants = [None] + [json.loads(text) for text in options.tus_options]
    workdir = Path(tempfile.mkdtemp(prefix="tusupload-browser-bench-"))
    site = Site(workdir, chunk_size=options.chunk_size)
    facts = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "load_before": load_average(),
    }
    runs = []
    sink = None
    try:
        site.start()
        sink = SinkServer()
        path = make_file(workdir, options.size * MIB)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            unobserved = None
            try:
                unobserved = Unobserved(workdir / "unobserved-profile")
                for index in range(1, options.rounds + 1):
                    result = upload_with_tuspy(site, path, options.chunk_size * MIB)
                    runs.append({**result, "round": index})
                    report_progress(index, result)
                    site.delete_items()
                    for variant in variants:
                        # Playwright first in odd rounds, unobserved first in
                        # even ones.
                        for alone in (index % 2 == 0, index % 2 == 1):
                            if alone:
                                result = upload_unobserved(
                                    site, unobserved, sink, path, tus_options=variant
                                )
                            else:
                                result = upload_with_browser(
                                    site, browser, path, tus_options=variant
                                )
                            result["client"] = variant_name(variant) + (
                                UNOBSERVED if alone else ""
                            )
                            runs.append({**result, "round": index})
                            report_progress(index, result)
                            site.delete_items()
                        if variant is None:
                            for alone in (index % 2 == 0, index % 2 == 1):
                                if alone:
                                    result = upload_to_sink_unobserved(
                                        sink, unobserved, path, result["settings"]
                                    )
                                else:
                                    result = upload_to_sink(
                                        sink, browser, path, result["settings"]
                                    )
                                runs.append({**result, "round": index})
                                report_progress(index, result)
            finally:
                if unobserved is not None:
                    unobserved.close()
                browser.close()
    finally:
        if sink is not None:
            sink.stop()
        site.stop()
        facts["load_after"] = load_average()
        shutil.rmtree(workdir, ignore_errors=True)
    report = write_report(options, runs, facts)
    print(report.read_text())
    print(f"written to {report}")
    return 0


def report_progress(index: int, result: dict) -> None:
    print(
        f"round {index} {result['client']}: {result['mb_s']:.0f} MB/s "
        f"(load {load_average()})",
        flush=True,
    )


if __name__ == "__main__":
    if os.environ.get("TUSUPLOAD_BENCH_SETUP"):
        setup_site(app)  # noqa: F821 - zconsole run provides ``app``
    else:
        sys.exit(main())
