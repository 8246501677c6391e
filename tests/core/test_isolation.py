"""The core imports nothing of Zope, Plone or WebOb."""

import os
import subprocess
import sys


FORBIDDEN = ("zope", "webob", "Zope2", "Products", "plone")


def test_core_import_pulls_in_no_framework():
    code = (
        "import sys, collective.tusupload.core, collective.tusupload.core.cleanup\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip() == ""
