"""``make run``'s script creates the site once, serves it, stops on Ctrl-C."""

import configparser
import pytest
import requests
import waitress.adjustments


pytestmark = pytest.mark.slow


def installed_addons(site) -> dict[str, bool]:
    response = requests.get(
        f"{site.url}/@addons",
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return {item["id"]: item["is_installed"] for item in response.json()["items"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, run_sites):
    """Start the site twice on the same data; collect what each run showed."""
    site = run_sites(tmp_path_factory.mktemp("run"), admin_password="s3cret")
    results = []
    for _ in range(2):
        site.start()
        try:
            addons = installed_addons(site)
        finally:
            returncode = site.stop()
        results.append(
            {"addons": addons, "returncode": returncode, "output": site.output()}
        )
    return {
        "results": results,
        "var": site.directory / "var",
        "etc": site.directory / "instance" / "etc",
    }


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


def test_waitress_reads_request_bodies_in_large_blocks(runs):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(runs["etc"] / "zope.ini")
    server = {
        key: value for key, value in parser["server:main"].items() if key != "use"
    }
    adjustments = waitress.adjustments.Adjustments(**server)
    assert adjustments.recv_bytes == 1 << 20
    assert adjustments.max_request_body_size >= 1 << 40
