"""The curl walk-through of ``docs/sessions.rst`` runs as written on ``make run``."""

from helpers.shell_examples import failed_commands
from helpers.shell_examples import run_examples
from helpers.shell_examples import status_mismatches
from pathlib import Path

import pytest
import requests


pytestmark = pytest.mark.slow

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sessions.rst"


@pytest.fixture(scope="module")
def examples(tmp_path_factory, sessions_site):
    """The walk-through, on the session tests' site (its own folder and users)."""
    workdir = tmp_path_factory.mktemp("sessions-docs")
    examples = run_examples(PAGE, sessions_site.port, workdir)
    return {**examples, "site": sessions_site, "dir": workdir}


def test_every_block_ran_and_every_command_exits_0(examples):
    assert len(examples["outputs"]) == len(examples["blocks"]) > 8
    assert examples["returncode"] == 0, examples["stderr"]
    assert failed_commands(examples) == [], examples["stdout"] + examples["stderr"]


def test_replies_are_the_announced_ones(examples):
    mismatches = status_mismatches(examples)
    assert mismatches == [], "\n\n".join(map(repr, mismatches))


def test_the_walk_through_published_the_photo(examples):
    assert "identical" in examples["stdout"]
    site = examples["site"]
    item = requests.get(
        f"{site.url}/event/photo1.jpg",
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    assert item["@type"] in ("File", "Image")
    assert (examples["dir"] / "photo1.jpg").stat().st_size == 300000
