"""``make run``'s script creates the site once, serves it, stops on Ctrl-C."""

from pathlib import Path

import os
import requests
import signal
import socket
import subprocess
import time

import pytest


ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(tmp_path: Path, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        PORT=str(port),
        INSTANCE_DIR=str(tmp_path / "instance"),
        VAR_DIR=str(tmp_path / "var"),
        ADMIN_PASSWORD="s3cret",
    )
    return subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_site(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.5)
    pytest.fail("make run did not serve within 180 s")


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output


def installed_addons(port: int) -> dict[str, bool]:
    response = requests.get(
        f"http://127.0.0.1:{port}/Plone/@addons",
        auth=("admin", "s3cret"),
        headers={"Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return {item["id"]: item["is_installed"] for item in response.json()["items"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start the site twice on the same data; collect what each run showed."""
    tmp_path = tmp_path_factory.mktemp("run")
    results = []
    for _ in range(2):
        port = free_port()
        process = start(tmp_path, port)
        try:
            wait_for_site(port, process)
            addons = installed_addons(port)
        finally:
            returncode, output = stop(process)
        results.append({"addons": addons, "returncode": returncode, "output": output})
    return {"results": results, "var": tmp_path / "var"}


def test_first_run_creates_site_with_addon(runs):
    first = runs["results"][0]
    assert "Created Plone site 'Plone'" in first["output"]
    assert first["addons"]["collective.tusupload"] is True
    assert first["addons"]["plone.restapi"] is True


def test_credentials_printed(runs):
    assert "Admin login: admin:s3cret" in runs["results"][0]["output"]


def test_second_run_reuses_site(runs):
    second = runs["results"][1]
    assert "Using existing Plone site 'Plone'" in second["output"]
    assert "Created Plone site" not in second["output"]
    assert second["addons"]["collective.tusupload"] is True


def test_ctrl_c_stops_cleanly(runs):
    assert [run["returncode"] for run in runs["results"]] == [0, 0]


def test_embedded_zodb_with_blobs(runs):
    assert (runs["var"] / "filestorage" / "Data.fs").is_file()
    assert (runs["var"] / "blobstorage").is_dir()
