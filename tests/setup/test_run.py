"""``make run``'s script creates the site once, serves it (the front server, or
gunicorn or waitress with SERVER=...), stops on Ctrl-C or TERM."""

from collective.tusupload.deploy import config as server_config
from helpers.network import free_port
from pathlib import Path
from ZODB.fsIndex import fsIndex

import configparser
import pytest
import requests
import signal
import socket
import subprocess
import sys
import time
import waitress.adjustments


ROOT = Path(__file__).resolve().parents[2]

slow = pytest.mark.slow


def installed_addons(site) -> dict[str, bool]:
    response = requests.get(
        f"{site.url}/@addons",
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return {item["id"]: item["is_installed"] for item in response.json()["items"]}


def index_is_current(var: Path) -> bool:
    """Whether ``Data.fs.index`` was written when the storage was closed."""
    data = var / "filestorage" / "Data.fs"
    index = fsIndex.load(str(data) + ".index")
    return int(index["pos"]) == data.stat().st_size


def add_folder(site, folder_id: str) -> None:
    response = requests.post(
        site.url,
        auth=site.auth,
        headers={"Accept": "application/json"},
        json={"@type": "Folder", "id": folder_id, "title": folder_id},
        timeout=30,
    )
    response.raise_for_status()


def has_item(site, item_id: str) -> bool:
    response = requests.get(
        f"{site.url}/{item_id}",
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=30,
    )
    return response.status_code == 200


@pytest.fixture(scope="module")
def runs(tmp_path_factory, run_sites):
    """Start the site three times on the same data; collect what each run showed.

    The first run is stopped with Ctrl-C, the second, after a write, with
    SIGTERM (as systemd, supervisord or a container runtime stop it), the
    third again with Ctrl-C.
    """
    site = run_sites(tmp_path_factory.mktemp("run"), admin_password="s3cret")
    var = site.directory / "var"
    pid_file = var / "Z4.pid"
    results = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        site.start()
        try:
            addons = installed_addons(site)
            pid_file_while_serving = pid_file.exists()
            found_written = has_item(site, "written-before-term")
            if signum == signal.SIGTERM:
                add_folder(site, "written-before-term")
        finally:
            returncode = site.stop(signum)
        results.append(
            {
                "addons": addons,
                "returncode": returncode,
                "output": site.output(),
                "port": site.port,
                "pid_file_while_serving": pid_file_while_serving,
                "pid_file_left": pid_file.exists(),
                "found_written": found_written,
                "index_is_current": index_is_current(var),
            }
        )
    return {
        "results": results,
        "var": var,
        "etc": site.directory / "instance" / "etc",
    }


@slow
def test_first_run_creates_site_with_addon(runs):
    first = runs["results"][0]
    assert "Created Plone site 'Plone'" in first["output"]
    assert first["addons"]["collective.tusupload"] is True
    assert first["addons"]["plone.restapi"] is True


@slow
def test_credentials_printed(runs):
    assert "Admin login: admin:s3cret" in runs["results"][0]["output"]


@slow
def test_second_run_reuses_site(runs):
    second = runs["results"][1]
    assert "Using existing Plone site 'Plone'" in second["output"]
    assert "Created Plone site" not in second["output"]
    assert second["addons"]["collective.tusupload"] is True


@slow
def test_ctrl_c_stops_cleanly(runs):
    first, _, third = runs["results"]
    assert [first["returncode"], third["returncode"]] == [0, 0]
    assert first["pid_file_while_serving"]
    assert not first["pid_file_left"]
    assert first["index_is_current"]
    assert "Ignoring index" not in runs["results"][1]["output"]


@slow
def test_term_stops_like_ctrl_c(runs):
    term = runs["results"][1]
    assert term["returncode"] == 0
    assert term["pid_file_while_serving"]
    assert not term["pid_file_left"]


@slow
def test_term_saves_the_data_and_its_index(runs):
    assert runs["results"][1]["index_is_current"]
    after_term = runs["results"][2]
    assert after_term["found_written"]
    assert "Ignoring index" not in after_term["output"]
    assert "Traceback" not in after_term["output"]


@slow
def test_advertises_localhost(runs):
    """Plone serves 127.0.0.1 unthemed by default; localhost is themed."""
    first = runs["results"][0]
    assert f"Plone site:  http://localhost:{first['port']}/Plone" in first["output"]


@slow
def test_embedded_zodb_with_blobs(runs):
    assert (runs["var"] / "filestorage" / "Data.fs").is_file()
    assert (runs["var"] / "blobstorage").is_dir()


@slow
def test_served_by_the_front_server_with_four_threads(runs):
    """The default server keeps pages up during slow uploads: the front server."""
    first = runs["results"][0]
    assert "(4 application threads)" in first["output"]
    config = str(runs["etc"] / "zope.ini")
    assert server_config.server_choice(config) == "front"
    settings = server_config.front_settings(config)
    assert settings.threads == 4
    # zope.ini is the one the last run wrote.
    assert (settings.host, settings.port) == ("127.0.0.1", runs["results"][-1]["port"])


def make_instance(directory: Path, **env: str) -> Path:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_instance.py")],
        env={
            "PATH": "/usr/bin:/bin",
            "PORT": str(free_port()),
            "INSTANCE_DIR": str(directory / "instance"),
            "VAR_DIR": str(directory / "var"),
            **env,
        },
        check=True,
        capture_output=True,
    )
    return directory / "instance" / "etc" / "zope.ini"


def test_server_waitress_reads_request_bodies_in_large_blocks(tmp_path):
    config = make_instance(tmp_path, SERVER="waitress")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config)
    server = {
        key: value for key, value in parser["server:main"].items() if key != "use"
    }
    adjustments = waitress.adjustments.Adjustments(**server)
    assert adjustments.recv_bytes == 1 << 20
    assert adjustments.max_request_body_size >= 1 << 40
    assert server_config.server_choice(str(config)) == "waitress"


def refused_instance(instance: Path, **env: str) -> subprocess.CompletedProcess:
    """make_instance.py with ``env`` that it is expected to refuse."""
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_instance.py")],
        env={
            "PATH": "/usr/bin:/bin",
            "PORT": str(free_port()),
            "INSTANCE_DIR": str(instance),
            **env,
        },
        capture_output=True,
        text=True,
    )


def test_read_ahead_reaches_the_front_server_and_is_checked(tmp_path):
    from collective.tusupload.deploy.front.settings import FrontSettings

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(make_instance(tmp_path, READ_AHEAD="0"))
    options = dict(parser["server:main"])
    del options["use"]
    assert FrontSettings.from_options(options).read_ahead == 0
    process = refused_instance(tmp_path / "other", READ_AHEAD="8M")
    assert process.returncode != 0
    assert process.stderr.strip() == "READ_AHEAD=8M is not a number of bytes"


def test_unknown_server_is_refused_in_one_line(tmp_path):
    process = refused_instance(tmp_path / "instance", SERVER="uvicorn")
    assert process.returncode != 0
    assert (
        process.stderr.strip()
        == "SERVER=uvicorn is not one of front, gunicorn, waitress"
    )


@slow
def test_server_waitress_still_stops_cleanly_on_term(tmp_path, run_sites):
    site = run_sites(tmp_path, env={"SERVER": "waitress"})
    site.start()
    pid_file = site.directory / "var" / "Z4.pid"
    assert pid_file.exists()
    assert site.stop(signal.SIGTERM) == 0
    assert "Serving on http://127.0.0.1:" in site.output()
    assert not pid_file.exists()
    assert index_is_current(site.directory / "var")


def test_busy_port_is_reported_in_one_line_at_once(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        process = subprocess.run(
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "PORT": str(port),
                "INSTANCE_DIR": str(tmp_path / "instance"),
                "VAR_DIR": str(tmp_path / "var"),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode != 0
    assert time.monotonic() - started < 10
    assert process.stdout == ""
    assert process.stderr.splitlines() == [
        f"port {port} on 127.0.0.1 is in use; set another PORT"
        f" (make run PORT={port + 1})"
    ]
    assert not (tmp_path / "instance").exists()
