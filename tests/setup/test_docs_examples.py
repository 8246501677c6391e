"""The curl examples of ``docs/rest-api.rst`` run as written against ``make run``.

Every ``.. code-block:: shell`` of the page is run, in order, in one bash
process, in an empty directory, against a fresh site served by
``scripts/run.sh``. Only the port of ``http://localhost:8080`` is changed.
A command that fails is reported by an ``ERR`` trap; the HTTP statuses each
block prints (``curl -i`` / ``curl -I``) must be the ones its ``# NNN``
comments announce.
"""

from helpers.shell_examples import failed_commands
from helpers.shell_examples import run_examples
from helpers.shell_examples import status_mismatches
from pathlib import Path

import pytest
import requests


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "rest-api.rst"
#: A final PATCH (its comment names the new item's ``Location``) answers 204;
#: until the server's change to that reply is in, 200 is accepted there too.
FINAL_PATCH_ALSO = {"204": {"200"}}


@pytest.fixture(scope="module")
def examples(tmp_path_factory, run_sites):
    """Run the page's examples once; return blocks, outputs and the site."""
    site = run_sites(tmp_path_factory.mktemp("docs-site")).start()
    workdir = tmp_path_factory.mktemp("docs-examples")
    yield {**run_examples(PAGE, site.port, workdir), "site": site}
    site.stop()


def get_json(site, path: str) -> requests.Response:
    return requests.get(
        f"{site.url}/{path}",
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=30,
    )


def test_page_has_examples(examples):
    assert len(examples["blocks"]) > 10
    assert "@tus-upload" in "\n".join(examples["blocks"])


def test_every_block_ran(examples):
    assert len(examples["outputs"]) == len(examples["blocks"]), examples["stdout"]
    assert examples["returncode"] == 0, examples["stderr"]


def test_every_command_exits_0(examples):
    failures = failed_commands(examples)
    assert failures == [], examples["stdout"] + examples["stderr"]


def test_replies_are_the_announced_ones(examples):
    mismatches = status_mismatches(examples, also=FINAL_PATCH_ALSO)
    assert mismatches == [], "\n\n".join(map(repr, mismatches))


@pytest.mark.parametrize(
    "item_id",
    [
        "report.pdf",  # chunks; later replaced
        "report-1.pdf",  # creation-with-upload
        "report-2.pdf",  # creation-defer-length
        "report-3.pdf",  # concatenation
    ],
)
def test_examples_created_the_files(examples, item_id):
    response = get_json(examples["site"], f"docs/{item_id}")
    assert response.status_code == 200
    item = response.json()
    assert item["@type"] == "File"
    assert item["file"]["size"] == 1048576


def test_replace_example_replaced_the_file(examples):
    item = get_json(examples["site"], "docs/report.pdf").json()
    assert item["file"]["filename"] == "report-v2.pdf"


def test_deleted_upload_left_no_item(examples):
    items = get_json(examples["site"], "docs").json()["items"]
    assert sorted(item["@id"].rsplit("/", 1)[1] for item in items) == [
        "report-1.pdf",
        "report-2.pdf",
        "report-3.pdf",
        "report.pdf",
    ]
