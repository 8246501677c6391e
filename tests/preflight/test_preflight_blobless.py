"""A site whose database has no blob storage refuses uploads at creation.

A real instance: a FileStorage without ``blob-dir``, a Plone site made by
``scripts/create_site.py`` under ``zconsole run``, served by ``runwsgi``.
The refusal comes before any byte, in words that name cause and fix.
"""

from helpers.network import free_port
from pathlib import Path

import os
import pytest
import requests
import signal
import subprocess
import sys
import time


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TUS = {"Tus-Resumable": "1.0.0"}
AUTH = ("admin", "admin-password")

ZOPE_CONF = """\
%define INSTANCE {instance}
instancehome $INSTANCE
clienthome {var}
debug-mode off
<zodb_db main>
  <filestorage>
    path {var}/Data.fs
  </filestorage>
  mount-point /
</zodb_db>
"""

ZOPE_INI = """\
[app:zope]
use = egg:Zope#main
zope_conf = %(here)s/zope.conf

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
threads = 2

[pipeline:main]
pipeline =
    egg:Zope#httpexceptions
    zope
"""


def upload_files(directory: Path) -> list[str]:
    """The files of uploads (not the cleanup's own ``.last-sweep`` and lock)."""
    return sorted(path.name for path in directory.iterdir() if path.name[0] != ".")


@pytest.fixture(scope="module")
def blobless_site(tmp_path_factory):
    """``(site URL, upload directory)`` of a served site without blobs."""
    instance = tmp_path_factory.mktemp("blobless")
    var = instance / "var"
    upload_dir = var / "tusupload"
    upload_dir.mkdir(parents=True)
    port = free_port()
    (instance / "zope.conf").write_text(ZOPE_CONF.format(instance=instance, var=var))
    (instance / "zope.ini").write_text(ZOPE_INI.format(port=port))
    env = dict(
        os.environ,
        TUSUPLOAD_TMP_DIR=str(upload_dir),
        ADMIN_USER=AUTH[0],
        ADMIN_PASSWORD=AUTH[1],
    )
    made = subprocess.run(
        [BIN / "zconsole", "run", instance / "zope.conf", "scripts/create_site.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    log_path = instance / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [BIN / "runwsgi", instance / "zope.ini"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log_path.read_text()[-3000:]
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                # The first request waits for Zope's start-up (slow under load).
                assert time.monotonic() < deadline, "the instance did not serve"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/Plone", upload_dir
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_creation_is_refused_with_cause_and_fix(blobless_site):
    site_url, upload_dir = blobless_site
    response = requests.post(
        f"{site_url}/@tus-upload",
        headers={**TUS, "Upload-Length": "10", "Upload-Metadata": "filename YS50eHQ="},
        auth=AUTH,
        timeout=30,
    )
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "no blob storage" in message
    assert "blob-dir" in message
    assert upload_files(upload_dir) == []


def test_creation_with_upload_is_refused_before_any_byte(blobless_site):
    site_url, upload_dir = blobless_site
    response = requests.post(
        f"{site_url}/@tus-upload",
        data=b"0123456789",
        headers={
            **TUS,
            "Upload-Length": "10",
            "Upload-Metadata": "filename YS50eHQ=",
            "Content-Type": "application/offset+octet-stream",
        },
        auth=AUTH,
        timeout=30,
    )
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert upload_files(upload_dir) == []


def test_the_server_still_describes_itself(blobless_site):
    site_url, _ = blobless_site
    response = requests.options(f"{site_url}/@tus-upload", auth=AUTH, timeout=30)
    assert response.status_code == 204
