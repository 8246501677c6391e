"""The Volto add-on's own unit tests (Vitest), and what the backend tells it."""

from helpers.volto import EDITOR
from pathlib import Path

import pytest
import requests
import shutil
import subprocess


ROOT = Path(__file__).resolve().parents[2]


def test_vitest_unit_tests_pass():
    """``make volto-test``: Vitest on the add-on's pure modules."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("Node.js with npm is not installed: the Volto tests need it")
    result = subprocess.run(
        ["make", "--no-print-directory", "volto-test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert " passed" in output


@pytest.mark.browser
def test_settings_for_browsers(volto, folder, settings):
    """GET @tusupload-settings: chunk size, size limit, allowed types."""
    settings(chunk_size=16, max_upload_size=2, allowed_mime_types=["image/*"])
    response = requests.get(
        f"{volto.backend.url}{folder}/@tusupload-settings",
        auth=EDITOR,
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "chunk_size": 16 * 1024 * 1024,
        "max_size": 2 * 1024 * 1024,
        "allowed_mime_types": ["image/*"],
    }
