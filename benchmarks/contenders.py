"""The benchmark's contenders, by name: start, address, clean and stop them.

Each contender runs in its own process group on a free loopback port and is
stopped by :meth:`Contender.stop` (SIGTERM to the group, then SIGKILL).

Every Python contender exists on three servers: waitress (reads each
request body to its end before the app runs), gunicorn with gthread workers
(streams the body to the app) and the add-on's front server (receives
bodies in threads of its own), all started by
``collective.tusupload.deploy.serve`` or, for Zope, as ``make run`` does.

========================= ================================================
name                      what
========================= ================================================
``plone-waitress``        Plone + collective.tusupload, waitress
``plone-gunicorn``        Plone + collective.tusupload, gunicorn
``plone-front``           Plone + collective.tusupload, the front server
``plone-zeo``             the same on a ZEO client, uploads in the ZODB
                          store (one instance of ``make cluster``)
``restapi-waitress``      Plone + plone.restapi's own tus service, waitress
``filter-waitress``       the add-on's WSGI filter, waitress
``filter-gunicorn``       the add-on's WSGI filter, gunicorn
``filter-front``          the add-on's WSGI filter, the front server
``sink-waitress``         a WSGI app that only writes bodies, waitress
``sink-gunicorn``         the same, gunicorn
``sink-front``            the same, the front server
``node``                  @tus/server (Node) with its file store
========================= ================================================

The Plone and filter contenders run the add-on's code; with ``--baseline``
each has a twin ``<name>@base`` that runs another checkout
(:mod:`checkouts`).
"""

from __future__ import annotations

from checkouts import Checkout
from checkouts import HERE
from checkouts import THIS
from pathlib import Path
from processes import free_port
from processes import HOST
from processes import Server
from processes import wait_ready
from zope_instance import auth_header
from zope_instance import THREADS
from zope_instance import ZopeInstance

import http.client
import importlib.util
import os
import shutil
import subprocess
import urllib.parse


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


class Contender:
    """A tus server under test.

    :param checkout: whose code it runs (Plone and filter contenders).
    """

    name = ""
    description = ""
    #: The server it runs on (``waitress``, ``gunicorn``, ``front``, ``node``).
    server = "waitress"
    #: Whether Zope serves it (its report counts conflict retries).
    is_plone = False
    #: Whether it runs the add-on's code (it gets a twin with --baseline).
    runs_addon = False
    headers: dict[str, str] = {}
    available = True
    reason = ""

    def __init__(self, workdir: Path, checkout: Checkout = THIS) -> None:
        self.workdir = workdir
        self.checkout = checkout
        self.running: Server | None = None
        self.port = 0
        self.notes: list[str] = []

    @property
    def key(self) -> str:
        """The name in records and reports (``name@tag`` for a baseline)."""
        return self.checkout.named(self.name)

    @property
    def label(self) -> str:
        suffix = (
            f" [{self.checkout.tag}: {self.checkout.root}]" if self.checkout.tag else ""
        )
        return f"{self.key}: {self.description}{suffix}"

    @property
    def pid(self) -> int:
        return self.running.pid

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
        if self.running is not None:
            self.running.stop()
            self.running = None


class PasteContender(Contender):
    """A WSGI app served by the checkout's serve module (``tusupload-serve``)."""

    ini = ""

    def start(self) -> None:
        self.port = free_port()
        base = self.key.replace("@", "-")
        ini_path = self.workdir / f"{base}.ini"
        ini = self.ini + "\n[server:main]\n" + SERVER_MAIN[self.server]
        ini_path.write_text(ini.format(workdir=self.workdir, threads=THREADS, key=base))
        self.running = Server(
            base,
            [
                self.checkout.python,
                "-m",
                self.checkout.serve_module,
                str(ini_path),
                "--host",
                HOST,
                "--port",
                str(self.port),
            ],
            env={"PYTHONPATH": python_path()},
            cwd=self.checkout.root,
            log_dir=self.workdir,
        )
        wait_ready(self.port, "/", self.running.process, timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/files"


class FilterContender(PasteContender):
    name = "filter-waitress"
    description = "filter (waitress)"
    runs_addon = True
    # As docs/examples/tus-filter.ini, but the app behind the filter only
    # acknowledges (the example app hashes every finished file).
    ini = """\
[app:main]
use = call:apps:make_finished
filter-with = tus

[filter:tus]
use = call:collective.tusupload.adapters.wsgi:filter_factory
tmp_file_dir = {workdir}/uploads-{key}
upload_path = /files
upload_valid_duration = 86400
send_file = false
max_size = 4294967296
"""


class FilterGunicornContender(FilterContender):
    name = "filter-gunicorn"
    description = "filter (gunicorn)"
    server = "gunicorn"


class FilterFrontContender(FilterContender):
    name = "filter-front"
    description = "filter (front server)"
    server = "front"


class SinkContender(PasteContender):
    name = "sink-waitress"
    description = "raw body sink (waitress)"
    ini = """\
[app:main]
use = call:apps:make_sink
directory = {workdir}/{key}
"""


class SinkGunicornContender(SinkContender):
    name = "sink-gunicorn"
    description = "raw body sink (gunicorn)"
    server = "gunicorn"


class SinkFrontContender(SinkContender):
    """The sink on the front server: an app that knows no hand-off reads each
    body from the socket in its own thread (the front's raw body path)."""

    name = "sink-front"
    description = "raw body sink (front server)"
    server = "front"


class NodeContender(Contender):
    name = "node"
    description = "@tus/server (Node)"
    server = "node"

    def __init__(self, workdir: Path, checkout: Checkout = THIS) -> None:
        super().__init__(workdir, checkout)
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
        self.running = Server(
            "node",
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
        wait_ready(self.port, "/", self.running.process, timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/files"

    def after_upload(self, client, result) -> None:
        # @tus/file-store keeps finished uploads (data + .json): drop them.
        upload_id = (result.upload_url or "").rstrip("/").rsplit("/", 1)[-1]
        if upload_id:
            for path in (upload_id, upload_id + ".json"):
                (self.directory / path).unlink(missing_ok=True)


class PloneContender(Contender):
    """``<site>/bench/@tus-upload`` on a shared Zope instance."""

    is_plone = True
    site = ""
    #: The instance's database (see :class:`~zope_instance.ZopeInstance`).
    database = "file"

    def __init__(
        self, workdir: Path, checkout: Checkout = THIS, instance: ZopeInstance = None
    ) -> None:
        super().__init__(workdir, checkout)
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
    name = "plone-waitress"
    description = "Plone + collective.tusupload (waitress)"
    site = "addon"
    runs_addon = True

    def __init__(
        self, workdir: Path, checkout: Checkout = THIS, instance: ZopeInstance = None
    ) -> None:
        super().__init__(workdir, checkout, instance)
        if checkout is THIS:
            spec = importlib.util.find_spec("collective.tusupload")
            services = (
                Path(spec.origin).parent / "restapi" if spec and spec.origin else None
            )
        else:
            services = checkout.root / "src" / "collective" / "tusupload" / "restapi"
        if services is None or not (services / "configure.zcml").exists():
            self.available = False
            self.reason = (
                "the add-on's own @tus-upload service (src/collective/tusupload/"
                "restapi) is not in this checkout"
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
    name = "plone-gunicorn"
    description = "Plone + collective.tusupload (gunicorn)"
    server = "gunicorn"


class AddonFrontContender(AddonContender):
    name = "plone-front"
    description = "Plone + collective.tusupload (front server)"
    server = "front"


class AddonZeoContender(AddonContender):
    name = "plone-zeo"
    description = "Plone + ZODB store (ZEO)"
    server = "front"
    database = "zeo"

    def __init__(
        self, workdir: Path, checkout: Checkout = THIS, instance: ZopeInstance = None
    ) -> None:
        super().__init__(workdir, checkout, instance)
        store = checkout.root / "src" / "collective" / "tusupload" / "zodbstore"
        if checkout is not THIS and not store.is_dir():
            self.available = False
            self.reason = "this checkout has no ZODB store"


class RestapiContender(PloneContender):
    name = "restapi-waitress"
    description = "Plone + plone.restapi tus (waitress)"
    site = "restapi"


#: Every contender by name, in the order reports list them.
CONTENDERS: dict[str, type[Contender]] = {
    kind.name: kind
    for kind in (
        AddonContender,
        AddonGunicornContender,
        AddonFrontContender,
        AddonZeoContender,
        RestapiContender,
        FilterContender,
        FilterGunicornContender,
        FilterFrontContender,
        SinkContender,
        SinkGunicornContender,
        SinkFrontContender,
        NodeContender,
    )
}


def make_contenders(
    names: list[str], workdir: Path, *, baseline: Checkout | None = None
) -> tuple[list[Contender], list[ZopeInstance]]:
    """The contenders called ``names`` (and their baseline twins), with the
    Zope instances that hold the Plone ones.

    :raises KeyError: for an unknown name.
    """
    unknown = [name for name in names if name not in CONTENDERS]
    if unknown:
        raise KeyError(
            f"unknown contender(s) {', '.join(unknown)}; known: "
            + ", ".join(CONTENDERS)
        )
    checkouts = [THIS] + ([baseline] if baseline is not None else [])
    instances: dict[tuple[Checkout, str, str], ZopeInstance] = {}
    contenders: list[Contender] = []
    for name in CONTENDERS:
        if name not in names:
            continue
        kind = CONTENDERS[name]
        for checkout in checkouts:
            if checkout is not THIS and (
                not kind.runs_addon or not checkout.serves(kind.server)
            ):
                continue
            if issubclass(kind, PloneContender):
                place = (checkout, kind.server, kind.database)
                instance = instances.get(place)
                if instance is None:
                    instance = instances[place] = ZopeInstance(
                        workdir,
                        [],
                        server=kind.server,
                        checkout=checkout,
                        database=kind.database,
                    )
                instance.sites.append(kind.site)
                contenders.append(kind(workdir, checkout, instance))
            else:
                contenders.append(kind(workdir, checkout))
    for contender in contenders:
        if isinstance(contender, AddonContender) and not contender.available:
            contender.instance.sites.remove(contender.site)
    return contenders, list(instances.values())
