"""Places in the checkout that tests read (examples, scripts, sources)."""

from pathlib import Path


#: The checkout's root directory.
ROOT = Path(__file__).resolve().parents[2]
#: The documented filter configuration (``docs/examples/tus-filter.ini``).
EXAMPLE_FILTER_INI = ROOT / "docs" / "examples" / "tus-filter.ini"
