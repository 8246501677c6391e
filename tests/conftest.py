"""Fixtures shared by all tests: Plone layers as pytest fixtures."""

from collective.tusupload.testing import FUNCTIONAL_TESTING
from collective.tusupload.testing import INTEGRATION_TESTING
from collective.tusupload.testing import PublicationFailures
from helpers.network import free_port
from helpers.plone_tus import EDITOR
from helpers.plone_tus import PASSWORD
from helpers.plone_tus import USERS
from pathlib import Path
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from Products.SiteAccess.VirtualHostMonster import manage_addVirtualHostMonster
from pytest_plone import fixtures_factory

import os
import pytest
import requests
import shutil
import signal
import subprocess
import time
import transaction


ROOT = Path(__file__).resolve().parent.parent


pytest_plugins = ["pytest_plone"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)


@pytest.fixture
def publication_failures():
    """Tracebacks of the requests whose publication fails during the test."""
    with PublicationFailures() as failures:
        yield failures


@pytest.fixture
def upload_dir(tmp_path):
    """The test's own upload directory (the site's ``tmp_dir`` setting).

    Each test has its own, so that unfinished uploads another test left
    behind never count against a user's limits of pending uploads here.
    """
    path = tmp_path / "uploads"
    path.mkdir()
    return path


@pytest.fixture
def site(functional, functional_portal, upload_dir):
    """The functional test site, committed for its WSGI server.

    Users: those of :data:`helpers.plone_tus.USERS` (password
    :data:`~helpers.plone_tus.PASSWORD`) and the browser tests' editor.
    Content: a folder ``docs`` holding a File ``report``, a folder ``inbox``.
    A virtual host monster at the root, for ``VirtualHostBase`` URLs.
    """
    portal = functional_portal
    app = functional["app"]
    if "virtual_hosting" not in app.objectIds():
        manage_addVirtualHostMonster(app, "virtual_hosting")
    setRoles(portal, TEST_USER_ID, ["Manager"])
    login(portal, TEST_USER_NAME)
    api.portal.set_registry_record("collective.tusupload.tmp_dir", str(upload_dir))
    for user_id, roles in USERS.items():
        api.user.create(
            email=f"{user_id}@example.org",
            username=user_id,
            password=PASSWORD,
            roles=roles,
        )
    portal.acl_users.userFolderAddUser(
        EDITOR[0], EDITOR[1], ["Member", "Contributor", "Editor"], []
    )
    docs = api.content.create(container=portal, type="Folder", id="docs", title="Docs")
    api.content.create(container=docs, type="File", id="report", title="Report")
    api.content.create(container=portal, type="Folder", id="inbox", title="Inbox")
    logout()
    transaction.commit()
    return portal


@pytest.fixture(scope="session")
def package_name() -> str:
    return "collective.tusupload"


class RunSite:
    """A site served by ``scripts/run.sh`` (what ``make run`` does).

    The child gets the default SIGINT handler even when the test runner was
    started with SIGINT ignored (a background job), so that :meth:`stop`
    is the Ctrl-C a user would press.
    """

    def __init__(self, directory, *, admin_password: str = "admin", env=None):  # noqa: S107
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/Plone"
        self.auth = ("admin", admin_password)
        self.log = self.directory / "run.log"
        self.env = dict(
            os.environ,
            PORT=str(self.port),
            INSTANCE_DIR=str(self.directory / "instance"),
            VAR_DIR=str(self.directory / "var"),
            ADMIN_PASSWORD=admin_password,
            # The Volto tests start their own backend with the /Volto site;
            # the others need only /Plone.
            VOLTO_SITE_ID="",
            **(env or {}),
        )
        self.env.pop("TUSUPLOAD_TMP_DIR", None)
        self.process = None

    def start(self, timeout: float = 180, *, keep_port: bool = False) -> "RunSite":
        """Start the site; on a new free port unless ``keep_port`` (a restart)."""
        if not keep_port:
            self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/Plone"
        self.env["PORT"] = str(self.port)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "run.sh")],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                requests.get(f"http://127.0.0.1:{self.port}/", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                # gunicorn listens at once and answers once its worker
                # has loaded Zope; waitress listens only then.
                assert time.monotonic() < deadline, "make run did not serve in time"
                time.sleep(0.5)

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Press Ctrl-C (or send ``signum``, e.g. SIGTERM); return the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signum)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="session")
def run_sites():
    """Factory for :class:`RunSite`; every site started is stopped at the end."""
    started = []

    def make(directory, **options) -> RunSite:
        site = RunSite(directory, **options)
        started.append(site)
        return site

    yield make
    for site in started:
        site.stop()


#: Debian's Chromium, for the browser and Volto tests (never a downloaded one).
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium, shared by the session's tests.

    One for the whole session: Playwright's sync API cannot start a second
    one while the first runs.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


#: axe-core for the accessibility checks of the browser and Volto tests.
AXE_JS = Path(__file__).parent / "browser" / "js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed with ``npm ci`` unless already there."""
    script = AXE_JS / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        if shutil.which("npm") is None:
            pytest.skip(
                "npm is not installed and tests/browser/js/node_modules is missing"
            )
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=AXE_JS,
            check=True,
            timeout=300,
        )
    return script.read_text()
