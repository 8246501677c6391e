"""Chromium's own ceiling: a server that only reads bodies, and its page."""

from __future__ import annotations

from pathlib import Path
from processes import cpu_seconds
from processes import free_port
from processes import HOST
from processes import settle

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time


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


SINK_NAME = "Chromium to a sink"
UNOBSERVED = ", unobserved"


def upload_to_sink(
    chromium_pids, sink: SinkServer, browser, path: Path, settings: dict
) -> dict:
    """Chromium sending ``path`` as the page did, to the sink."""
    context = browser.new_context()
    context.set_default_timeout(600_000)
    page = context.new_page()
    page.goto(f"http://{HOST}:{sink.port}/")
    page.locator("input").set_input_files(str(path))
    settled = settle(chromium_pids)
    before = cpu_seconds(*chromium_pids())
    milliseconds = page.evaluate(
        "([connections, piece]) => bench(connections, piece)",
        [settings["parallelUploads"], settings["chunkSize"]],
    )
    browser_cpu = cpu_seconds(*chromium_pids()) - before
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
