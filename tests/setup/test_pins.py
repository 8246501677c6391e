"""The committed pins are one coherent, pre-release-free set in two formats."""

from packaging.version import Version
from pathlib import Path

import configparser
import pytest


ROOT = Path(__file__).resolve().parents[2]


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name] = version
    return pins


def buildout_versions() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "versions.cfg")
    return dict(parser["versions"])


def test_constraints_and_versions_cfg_are_the_same_set():
    assert constraints() == buildout_versions()


def test_no_pre_releases_pinned():
    pre_releases = {
        name: version
        for name, version in constraints().items()
        if Version(version).is_prerelease
    }
    assert pre_releases == {}


@pytest.mark.parametrize(
    "name,version",
    [("plone", "6.2.2"), ("products-cmfplone", "6.2.2")],
)
def test_plone_release_pinned(name, version):
    assert constraints()[name] == version


def test_plone_app_layout_is_the_6_2_series():
    assert Version(constraints()["plone-app-layout"]).major < 7


def test_package_itself_not_pinned():
    assert "collective-tusupload" not in constraints()
