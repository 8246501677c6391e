"""Fixtures of the browser tests: headless Chromium against the test server.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's Python
client; Playwright never downloads a browser here.
"""

from collections.abc import Iterator
from helpers.plone_tus import EDITOR
from pathlib import Path
from plone.testing.zope import WSGI_SERVER_FIXTURE
from webtest.http import StopableWSGIServer

import pytest
import time


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def folder_url(site) -> str:
    return f"{site.absolute_url()}/inbox"


@pytest.fixture
def page(chromium, site, publication_failures):
    """A page logged in as the editor through the site's login form."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    # Shown with a failing test's output.
    page.on("pageerror", lambda error: print(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            print(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            print(
                f"server error: {response.status} {response.request.method} "
                f"{response.url}\n{publication_failures.recent(last=1)}"
            )
            if response.status >= 500
            else None
        ),
    )
    page.goto(f"{site.absolute_url()}/login")
    page.fill('input[name="__ac_name"]', EDITOR[0])
    page.fill('input[name="__ac_password"]', EDITOR[1])
    page.locator("#login-form").get_by_role("button", name="Log in").click()
    page.wait_for_selector("#portal-personaltools, .personaltools-wrapper, #toolbar")
    assert any(cookie["name"] == "__ac" for cookie in context.cookies())
    in_flight = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    settle(page, in_flight)
    context.close()


UPLOADING = """() => {
  const uppy = document.querySelector('.tusupload-page')?.uppy
  return !!uppy && uppy.getFiles().some((file) => file.progress.uploadStarted
    && !file.progress.uploadComplete && !file.error && !file.isPaused)
}"""


def settle(page, in_flight: set, timeout: float = 60) -> None:
    """Let the page's uploads end before the test's database goes away.

    A request the server is still working on when the functional layer
    tears the test's database down fails there, and can leave the server's
    thread with objects of the closed connection for the next test.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            uploading = page.evaluate(UPLOADING)
        except Exception:  # noqa: BLE001 - a page gone or navigating
            uploading = False
        if not uploading and not in_flight:
            return
        page.wait_for_timeout(200)


class SlowPatches:
    """WSGI middleware that delays every tus PATCH, so tests can act mid-upload."""

    def __init__(self, app, delay: float):
        self.app = app
        self.delay = delay

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "PATCH" and "/@tus-upload/" in environ.get(
            "PATH_INFO", ""
        ):
            time.sleep(self.delay)
        return self.app(environ, start_response)


class ServerControl:
    """Stops and starts the functional layer's WSGI server on the same port."""

    def __init__(self):
        self.layer = WSGI_SERVER_FIXTURE
        self.app = self.layer.server.test_app
        self.host = self.layer.server.adj.host
        self.port = self.layer.server.adj.port
        self.changed = False

    def stop(self) -> None:
        server = self.layer.server
        server.shutdown()
        # The listening socket is only released once the serving loop ends.
        server.runner.join(timeout=10)
        self.changed = True

    def start(self, *, slow_patches: float = 0.0) -> None:
        app = SlowPatches(self.app, slow_patches) if slow_patches else self.app
        server = StopableWSGIServer.create(
            app, host=self.host, port=self.port, clear_untrusted_proxy_headers=False
        )
        assert server.wait(), "the test server did not come back"
        self.layer.server = server
        self.changed = True

    def restart(self, *, slow_patches: float = 0.0) -> None:
        self.stop()
        self.start(slow_patches=slow_patches)

    def reset(self) -> None:
        """Leave the layer with a plain server, as it had."""
        if self.changed:
            if not self.layer.server.was_shutdown:
                self.stop()
            self.start()
            self.changed = False


@pytest.fixture
def server(site) -> Iterator[ServerControl]:
    control = ServerControl()
    yield control
    control.reset()
