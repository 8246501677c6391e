"""The browser benchmark's site: a Zope instance with the add-on, and its editor."""

from __future__ import annotations

from checkouts import HERE
from checkouts import THIS
from pathlib import Path
from processes import free_port
from processes import HOST
from zope_instance import ADMIN
from zope_instance import auth_header as basic_auth
from zope_instance import THREADS

import http.client
import json
import os
import signal
import subprocess
import time
import urllib.parse


SITE = "addon"
FOLDER = "bench"
EDITOR = ("bench-editor", "bench-editor-secret-42")


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
            [THIS.python, str(THIS.scripts / "make_instance.py")],
            env=self.env,
            check=True,
            capture_output=True,
        )
        conf = str(self.workdir / "instance" / "etc" / "zope.conf")
        for script, extra in (
            (HERE / "zope_sites.py", {"BENCH_SITE": SITE}),
            (HERE / "browser_setup.py", {"BENCH_EDITOR": ":".join(EDITOR)}),
        ):
            result = subprocess.run(
                [str(THIS.bin / "zconsole"), "run", conf, str(script)],
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
            [
                str(THIS.bin / "runwsgi"),
                str(self.workdir / "instance" / "etc" / "zope.ini"),
            ],
            cwd=THIS.root,
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
