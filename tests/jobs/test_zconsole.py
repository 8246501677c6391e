"""``zconsole run`` fires IProcessStarting too, yet starts no cleanup thread."""

import pathlib
import pytest
import subprocess
import sys


pytestmark = pytest.mark.slow

ZOPE_CONF = """\
%define INSTANCE {instance}
instancehome $INSTANCE
<zodb_db main>
  <mappingstorage/>
  mount-point /
</zodb_db>
"""

SCRIPT = """\
from collective.tusupload import jobs
from zope.component import getGlobalSiteManager
from zope.processlifetime import IProcessStarting

handlers = [
    registration.handler
    for registration in getGlobalSiteManager().registeredHandlers()
    if IProcessStarting in registration.required
]
print("subscribed", jobs.on_process_starting in handlers)
print("scheduler", jobs.get_scheduler())
"""


def test_zconsole_run_starts_no_scheduler(tmp_path):
    (tmp_path / "zope.conf").write_text(ZOPE_CONF.format(instance=tmp_path))
    (tmp_path / "script.py").write_text(SCRIPT)
    zconsole = pathlib.Path(sys.executable).parent / "zconsole"
    result = subprocess.run(
        [
            str(zconsole),
            "run",
            str(tmp_path / "zope.conf"),
            str(tmp_path / "script.py"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "subscribed True" in result.stdout  # the subscriber is registered
    assert "scheduler None" in result.stdout
