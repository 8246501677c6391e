"""tus-js-client under Node: the driver in ``js/`` and how to run it.

``js/upload.js`` uploads one file and prints one JSON event per line
(``progress``, ``chunk``, ``success``, ``error`` ...); ``js/with_headers.js``
runs it with extra request headers (basic auth, cookies, a CSRF token).
``make test-deps`` installs the pinned tus-js-client (``npm ci``).
"""

from __future__ import annotations

import json
import os
import pytest
import shutil
import subprocess


JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
DRIVER = os.path.join(JS_DIR, "upload.js")
WITH_HEADERS = os.path.join(JS_DIR, "with_headers.js")
NODE_MODULES = os.path.join(JS_DIR, "node_modules")

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isdir(NODE_MODULES),
    reason="node and tests/helpers/js/node_modules are needed (make test-deps)",
)


def run_js(options: dict, *, timeout: float = 120, check: bool = False) -> list[dict]:
    """Run the driver with ``options`` (``headers`` included); return its events.

    :param check: fail unless the driver exits 0 (its errors are printed).
    """
    completed = subprocess.run(
        ["node", WITH_HEADERS, json.dumps(options)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    events = [json.loads(line) for line in completed.stdout.splitlines() if line]
    if check:
        if completed.returncode:
            print("JSERROR", [event for event in events if event["event"] == "error"])
        assert completed.returncode == 0, (events[-3:], completed.stderr)
    return events


def last(events: list[dict], name: str) -> dict:
    """The last event called ``name``; fails if there is none."""
    matching = [event for event in events if event["event"] == name]
    assert matching, events[-5:]
    return matching[-1]
