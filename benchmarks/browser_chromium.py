"""Chromium for the browser benchmark: its processes, and one that nothing watches."""

from __future__ import annotations

from pathlib import Path
from processes import cpu_seconds
from processes import settle

import fcntl
import json
import os
import signal
import subprocess
import time


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Processes of :class:`Unobserved` Chromiums (not counted as Playwright's).
UNOBSERVED_PIDS: set[int] = set()


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
        before = cpu_seconds(self.pid)
        self.evaluate(session, f"{expression}; 0")
        self.call("Target.detachFromTarget", {"sessionId": session})
        report = sink.report()
        return report, cpu_seconds(self.pid) - before, settled

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
