"""Prove the buildout path: build, create the site, serve (``bin/instance fg``
runs the front server), ask @addons.

Works on a copy of the checkout's tracked files in a temporary directory,
so it checks what a fresh clone would do. Used by ``make test-buildout``.
"""

from collective.tusupload.deploy.front.replies import SERVER_NAME
from pathlib import Path

import base64
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_checkout(target: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def run(command: list[str], cwd: Path) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def addons(port: int) -> tuple[dict, str]:
    """The site's add-ons and the ``Server`` header of the reply."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/Plone/@addons",
        headers={
            "Accept": "application/json",
            "Authorization": "Basic " + base64.b64encode(b"admin:admin").decode(),
        },
    )
    # gunicorn listens at once and answers once its worker has loaded Zope.
    with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310
        return json.load(response), response.headers.get("Server", "")


def wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bin/instance fg exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("bin/instance fg did not start listening within 120 s")


def main() -> int:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tusupload-buildout-") as tmp:
        work = Path(tmp)
        copy_checkout(work)
        run([sys.executable, "-m", "venv", ".venv-buildout"], work)
        pip = str(work / ".venv-buildout/bin/pip")
        run(
            [
                pip,
                "install",
                "-q",
                "-c",
                "constraints.txt",
                "zc.buildout",
                "setuptools",
            ],
            work,
        )
        run(
            [
                str(work / ".venv-buildout/bin/buildout"),
                "-q",
                f"instance:http-address=127.0.0.1:{port}",
            ],
            work,
        )
        wsgi_ini = (work / "parts/instance/etc/wsgi.ini").read_text()
        if "use = egg:collective.tusupload#front" not in wsgi_ini:
            print("FAILED: the instance's wsgi.ini does not serve with the front")
            return 1
        run([str(work / "bin/instance"), "run", "scripts/create_site.py"], work)
        process = subprocess.Popen(
            [str(work / "bin/instance"), "fg"],
            cwd=work,
            # Ctrl-C works even when this script runs as a background job.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            wait_until_serving(port, process)
            found, server = addons(port)
            installed = {item["id"]: item["is_installed"] for item in found["items"]}
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)
    if not installed.get("collective.tusupload"):
        print("FAILED: collective.tusupload is not installed in the buildout site")
        return 1
    if server != SERVER_NAME:
        print(f"FAILED: bin/instance fg is served by {server!r}, not {SERVER_NAME}")
        return 1
    print("buildout: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
