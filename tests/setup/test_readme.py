"""The README and changelog render, so the package's PyPI page does too."""

from docutils.core import publish_doctree
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["README.rst", "CHANGES.rst"])
def test_renders_without_warnings(name):
    publish_doctree(
        (ROOT / name).read_text(encoding="utf-8"),
        settings_overrides={"halt_level": 2, "report_level": 2},
    )
