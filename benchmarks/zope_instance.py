"""A Zope instance in the benchmark's temp dir, holding the Plone contenders' sites."""

from __future__ import annotations

from checkouts import Checkout
from checkouts import HERE
from checkouts import THIS
from pathlib import Path
from processes import free_port
from processes import HOST
from processes import Server
from processes import wait_ready

import base64
import http.client
import os
import socket
import subprocess
import time


ADMIN = ("admin", "admin")
#: Threads of every server (gunicorn: one worker process; Node: one loop).
THREADS = 4


def auth_header() -> dict[str, str]:
    """Basic auth of the Zope admin."""
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class ZopeInstance:
    """One Zope instance (temp dir) holding the sites of Plone contenders.

    :param server: ``"waitress"`` (Zope's ``runwsgi``) or ``"gunicorn"``
        (as ``make run`` serves it).
    :param checkout: whose ``scripts/`` and ``.venv`` make and serve it.
    :param database: ``"file"`` (a FileStorage of its own, uploads in its
        upload directory) or ``"zeo"`` (a ZEO client of a ZEO server started
        beside it, uploads in the ZODB store: one instance of ``make
        cluster``).
    """

    def __init__(
        self,
        workdir: Path,
        sites: list[str],
        server: str = "waitress",
        checkout: Checkout = THIS,
        database: str = "file",
    ) -> None:
        self.workdir = workdir
        self.server_name = server
        self.checkout = checkout
        self.database = database
        self.zeo: Server | None = None
        suffix = "" if database == "file" else f"-{database}"
        name = checkout.named(server + suffix).replace("@", "-")
        self.instance = workdir / f"instance-{name}"
        self.var = workdir / f"var-{name}"
        self.sites = sites
        self.server: Server | None = None
        self.port = 0

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
        if self.database == "zeo":
            env.update(ZODB_SERVER=self._start_zeo(), TUSUPLOAD_STORE="zodb")
        subprocess.run(
            [self.checkout.python, str(self.checkout.scripts / "make_instance.py")],
            env=env,
            check=True,
            capture_output=True,
        )
        conf = str(self.instance / "etc" / "zope.conf")
        ini = self.instance / "etc" / "zope.ini"
        for site in self.sites:
            result = subprocess.run(
                [
                    str(self.checkout.bin / "zconsole"),
                    "run",
                    conf,
                    str(HERE / "zope_sites.py"),
                ],
                env={**env, "BENCH_SITE": site},
                capture_output=True,
            )
            if result.returncode:
                raise RuntimeError(
                    f"creating site {site} failed: {result.stderr.decode()[-2000:]}"
                )
        self.server = Server(
            f"zope-{self.instance.name}",
            [self.checkout.python, str(self.checkout.scripts / "serve.py"), str(ini)],
            env={**env, "TUS_TMP_FILE_DIR": str(self.var / "restapi-tus")},
            cwd=self.checkout.root,
            log_dir=self.workdir,
        )
        wait_ready(self.port, f"/{self.sites[0]}", self.server.process)

    def _start_zeo(self) -> str:
        """Start a ZEO server for this instance; return its address."""
        directory = self.workdir / f"zeo-{self.instance.name}"
        (directory / "blobs").mkdir(parents=True, exist_ok=True)
        port = free_port()
        conf = directory / "zeo.conf"
        conf.write_text(
            f"<zeo>\n  address {HOST}:{port}\n</zeo>\n"
            f"<filestorage 1>\n  path {directory}/Data.fs\n"
            f"  blob-dir {directory}/blobs\n</filestorage>\n"
        )
        self.zeo = Server(
            f"zeo-{self.instance.name}",
            [str(self.checkout.bin / "runzeo"), "-C", str(conf)],
            cwd=self.checkout.root,
            log_dir=self.workdir,
        )
        wait_listening(port, self.zeo.process)
        return f"{HOST}:{port}"

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
        if self.zeo is not None:
            self.zeo.stop()
            self.zeo = None


def wait_listening(port: int, process, timeout: float = 30) -> None:
    """Wait until something accepts connections on ``port``."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server for port {port} ended")
        try:
            socket.create_connection((HOST, port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port}") from None
            time.sleep(0.2)
