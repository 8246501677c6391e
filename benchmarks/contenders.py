"""Start, address, clean and stop the benchmark's contenders.

Each contender runs in its own process group on a free loopback port and is
stopped by :meth:`Contender.stop` (SIGTERM to the group, then SIGKILL).

Every Python contender exists on two servers: waitress (reads each request
body to its end before the app runs) and gunicorn with gthread workers
(streams the body to the app), both started by
``collective.tusupload.deploy.serve`` or, for Zope, as ``make run`` does.
"""

from __future__ import annotations

from pathlib import Path

import base64
import http.client
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
HOST = "127.0.0.1"
ADMIN = ("admin", "admin")
THREADS = 4
#: ``[server:main]`` of the filter's and the sink's configurations.
SERVER_MAIN = {
    # A whole-file PATCH of 1 GiB is over waitress's default limit (1 GiB).
    "waitress": (
        "use = egg:waitress#main\nthreads = {threads}\nrecv_bytes = 1048576\n"
        "max_request_body_size = 1099511627776\n"
    ),
    "gunicorn": "use = egg:collective.tusupload#gunicorn\nthreads = {threads}\n",
    "front": "use = egg:collective.tusupload#front\nthreads = {threads}\n",
}


def python_path() -> str:
    """This folder first (the apps), then whatever the caller had."""
    return os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_ready(port: int, path: str, process, timeout: float = 180) -> None:
    """Wait until ``GET path`` gets any HTTP answer, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {timeout}s")


class Server:
    """One server process in its own process group."""

    def __init__(self, name, command, *, env=None, cwd=ROOT, log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        self.log.close()


class Contender:
    """A tus server under test.

    :param key: ``"1"`` .. ``"5"`` as in the issue.
    """

    key = ""
    label = ""
    headers: dict[str, str] = {}
    available = True
    reason = ""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.server: Server | None = None
        self.port = 0
        self.notes: list[str] = []

    @property
    def pid(self) -> int:
        return self.server.pid

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def after_upload(self, client, result) -> None:
        """Free what one finished upload left behind."""

    def after_block(self) -> None:
        """Free disk after a series of uploads."""

    def retries(self) -> int:
        """ConflictError retries of tus requests so far (Plone contenders)."""
        return 0

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


class PasteContender(Contender):
    """A WSGI app served by ``collective.tusupload.deploy.serve``."""

    ini = ""
    wsgi_server = "waitress"

    def start(self) -> None:
        self.port = free_port()
        ini_path = self.workdir / f"contender{self.key}.ini"
        ini = self.ini + "\n[server:main]\n" + SERVER_MAIN[self.wsgi_server]
        ini_path.write_text(
            ini.format(workdir=self.workdir, threads=THREADS, key=self.key)
        )
        self.server = Server(
            f"contender{self.key}",
            [
                PYTHON,
                "-m",
                "collective.tusupload.deploy.serve",
                str(ini_path),
                "--host",
                HOST,
                "--port",
                str(self.port),
            ],
            env={"PYTHONPATH": python_path()},
            log_dir=self.workdir,
        )
        wait_ready(self.port, "/", self.server.process, timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/files"


class FilterContender(PasteContender):
    key = "3"
    label = "3 filter (waitress)"
    # As docs/examples/tus-filter.ini, but the app behind the filter only
    # acknowledges (the example app hashes every finished file).
    ini = """\
[app:main]
use = call:apps:make_finished
filter-with = tus

[filter:tus]
use = call:collective.tusupload.adapters.wsgi:filter_factory
tmp_file_dir = {workdir}/filter-uploads-{key}
upload_path = /files
upload_valid_duration = 86400
send_file = false
max_size = 4294967296
"""


class SinkContender(PasteContender):
    key = "5"
    label = "5 raw body sink (waitress)"
    ini = """\
[app:main]
use = call:apps:make_sink
directory = {workdir}/sink-{key}
"""


class FilterGunicornContender(FilterContender):
    key = "7"
    label = "7 filter (gunicorn)"
    wsgi_server = "gunicorn"


class SinkGunicornContender(SinkContender):
    key = "8"
    label = "8 raw body sink (gunicorn)"
    wsgi_server = "gunicorn"


class FilterFrontContender(FilterContender):
    key = "11"
    label = "11 filter (front server)"
    wsgi_server = "front"


class SinkFrontContender(SinkContender):
    """The sink on the front server: an app that knows no hand-off reads each
    body from the socket in its own thread (the front's raw body path)."""

    key = "12"
    label = "12 raw body sink (front server)"
    wsgi_server = "front"


class NodeContender(Contender):
    key = "4"
    label = "4 @tus/server (Node)"

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.directory = workdir / "node-uploads"
        node_dir = HERE / "node"
        if shutil.which("node") is None:
            self.available, self.reason = False, "node not found"
        elif not (node_dir / "node_modules" / "@tus" / "server").exists():
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=node_dir,
                capture_output=True,
            )
            if result.returncode:
                self.available = False
                self.reason = "npm ci failed: " + result.stderr.decode()[-300:]

    def start(self) -> None:
        self.port = free_port()
        self.directory.mkdir(exist_ok=True)
        self.server = Server(
            "contender4",
            [
                "node",
                str(HERE / "node" / "server.mjs"),
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--directory",
                str(self.directory),
            ],
            log_dir=self.workdir,
        )
        wait_ready(self.port, "/", self.server.process, timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/files"

    def after_upload(self, client, result) -> None:
        # @tus/file-store keeps finished uploads (data + .json): drop them.
        upload_id = (result.upload_url or "").rstrip("/").rsplit("/", 1)[-1]
        if upload_id:
            for path in (upload_id, upload_id + ".json"):
                (self.directory / path).unlink(missing_ok=True)


class ZopeInstance:
    """One Zope instance (temp dir) holding the sites of Plone contenders.

    :param server: ``"waitress"`` (Zope's ``runwsgi``) or ``"gunicorn"``
        (as ``make run`` serves it).
    """

    def __init__(
        self,
        workdir: Path,
        sites: list[str],
        server: str = "waitress",
    ) -> None:
        self.workdir = workdir
        self.server_name = server
        self.instance = workdir / f"instance-{server}"
        self.var = workdir / f"var-{server}"
        self.sites = sites
        self.server: Server | None = None
        self.port = 0
        self.users = 0

    def start(self) -> None:
        if self.server is not None:
            return
        self.port = free_port()
        env = {
            **os.environ,
            "HOST": HOST,
            "PORT": str(self.port),
            "THREADS": str(THREADS),
            "INSTANCE_DIR": str(self.instance),
            "VAR_DIR": str(self.var),
            "ADMIN_USER": ADMIN[0],
            "ADMIN_PASSWORD": ADMIN[1],
            "SERVER": self.server_name,
        }
        subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "make_instance.py")],
            env=env,
            check=True,
            capture_output=True,
        )
        conf = str(self.instance / "etc" / "zope.conf")
        ini = self.instance / "etc" / "zope.ini"
        for site in self.sites:
            result = subprocess.run(
                [str(BIN / "zconsole"), "run", conf, str(HERE / "zope_sites.py")],
                env={**env, "BENCH_SITE": site},
                capture_output=True,
            )
            if result.returncode:
                raise RuntimeError(
                    f"creating site {site} failed: {result.stderr.decode()[-2000:]}"
                )
        self.server = Server(
            f"zope-{self.server_name}",
            [PYTHON, str(ROOT / "scripts" / "serve.py"), str(ini)],
            env={**env, "TUS_TMP_FILE_DIR": str(self.var / "restapi-tus")},
            log_dir=self.workdir,
        )
        wait_ready(self.port, f"/{self.sites[0]}", self.server.process)

    def retries(self) -> int:
        """Tus requests Zope retried after a ConflictError, from its log.

        The add-on logs one INFO line per retry (collective.tusupload,
        ``restapi/events.py``); make_instance's zope.ini logs INFO.
        """
        try:
            text = self.server.log_path.read_text(errors="replace")
        except (AttributeError, OSError):
            return 0
        return text.count("tus request retried after a conflict")

    def pack(self) -> None:
        """Pack the ZODB so that blobs of deleted uploads leave the disk."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        connection.request(
            "POST",
            "/Control_Panel/Database/main/manage_pack",
            body="days:float=0",
            headers={
                **auth_header(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        connection.getresponse().read()
        connection.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def auth_header() -> dict[str, str]:
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class PloneContender(Contender):
    """``<site>/bench/@tus-upload`` on the shared Zope instance."""

    site = ""

    def __init__(self, workdir: Path, instance: ZopeInstance) -> None:
        super().__init__(workdir)
        self.instance = instance
        self.headers = {**auth_header(), "Accept": "application/json"}

    @property
    def pid(self) -> int:
        return self.instance.server.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.instance.port}/{self.site}/bench/@tus-upload"

    def start(self) -> None:
        self.instance.start()
        self.port = self.instance.port

    def retries(self) -> int:
        return self.instance.retries()

    def after_upload(self, client, result) -> None:
        # Delete the content and pack at once, so that its blob leaves the
        # disk before the next run as the other contenders' files do: on a
        # VM, page cache that stays allocated makes the next run write into
        # fresh guest pages, several times slower (see the report's notes).
        if result.content_url:
            path = urllib.parse.urlsplit(result.content_url).path
            if path.startswith(f"/{self.site}/bench/"):
                client.delete(path)
                self.instance.pack()

    def stop(self) -> None:
        pass  # the instance is stopped once, by the runner


class AddonContender(PloneContender):
    key = "1"
    label = "1 Plone + collective.tusupload (waitress)"
    site = "addon"

    def __init__(self, workdir: Path, instance: ZopeInstance) -> None:
        super().__init__(workdir, instance)
        spec = importlib.util.find_spec("collective.tusupload")
        services = (
            Path(spec.origin).parent / "restapi" if spec and spec.origin else None
        )
        if services is None or not (services / "configure.zcml").exists():
            self.available = False
            self.reason = (
                "the add-on's own @tus-upload service (src/collective/tusupload/"
                "restapi, issue 4) is not in this checkout"
            )

    def start(self) -> None:
        super().start()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        connection.request(
            "OPTIONS", urllib.parse.urlsplit(self.url).path, headers=self.headers
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        extensions = response.getheader("Tus-Extension") or ""
        if extensions == "creation,expiration":
            raise RuntimeError(
                "the site answers with plone.restapi's own @tus-upload "
                "(Tus-Extension: creation,expiration), not the add-on's"
            )


class AddonGunicornContender(AddonContender):
    key = "6"
    label = "6 Plone + collective.tusupload (gunicorn)"


class AddonFrontContender(AddonContender):
    key = "10"
    label = "10 Plone + collective.tusupload (front server)"


class RestapiContender(PloneContender):
    key = "2"
    label = "2 Plone + plone.restapi tus (waitress)"
    site = "restapi"
