"""Which checkout of the add-on a contender runs: this one, or a baseline.

Every contender that runs the add-on's code (the Plone sites, the filter)
starts it from a checkout's own ``.venv`` and ``scripts/``. ``run.py
--baseline DIR`` adds a twin of each such contender that runs the checkout
in ``DIR`` instead (``make install`` there first), so that a change and the
code before it are measured in the same run, taking turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sys


HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Checkout:
    """A checkout of collective.tusupload with its virtualenv.

    :ivar root: the checkout's directory.
    :ivar tag: ``""`` for this checkout, else what the report calls it.
    """

    root: Path
    tag: str = ""

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"

    @property
    def python(self) -> str:
        python = self.bin / "python"
        return str(python) if python.exists() else sys.executable

    @property
    def scripts(self) -> Path:
        return self.root / "scripts"

    @property
    def serve_module(self) -> str:
        """The module that serves a PasteDeploy file in this checkout."""
        moved = self.root / "src" / "collective" / "tusupload" / "deploy" / "serve.py"
        if moved.exists():
            return "collective.tusupload.deploy.serve"
        return "collective.tusupload.adapters.serve"

    def serves(self, server: str) -> bool:
        """Whether this checkout has ``server`` (the front server came later)."""
        if server != "front":
            return True
        front = self.root / "src" / "collective" / "tusupload" / "deploy" / "front"
        return front.is_dir()

    def named(self, name: str) -> str:
        """``name`` as this checkout's contender is called (``name@tag``)."""
        return f"{name}@{self.tag}" if self.tag else name


#: The checkout the benchmark scripts live in.
THIS = Checkout(HERE.parent)
