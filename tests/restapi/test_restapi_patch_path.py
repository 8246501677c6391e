"""The path of one PATCH through the package: the info is loaded once.

The test calls Zope's publisher in this thread (not over the network), with a
profiler that notes each function of the package called. It proves that a
PATCH reads the upload's info once (``get_info``), in the middle of an
upload and when it completes. With ``TUSUPLOAD_PATCH_PATH=<file>`` it also
writes the files each PATCH visited there, as JSON (the architecture
measure in ``docs/architecture.rst``).
"""

from helpers.plone_tus import PASSWORD
from urllib.parse import urlsplit
from ZPublisher.WSGIPublisher import publish_module

import base64
import io
import json
import os
import sys


PACKAGE = os.sep + os.path.join("collective", "tusupload") + os.sep


def publish(url: str, method: str, headers: dict, body: bytes = b"") -> str:
    """Publish one request in this thread; return its status line."""
    parts = urlsplit(url)
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": parts.path,
        "QUERY_STRING": "",
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "HTTP_AUTHORIZATION": f"Basic {credentials}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    status = []

    def start_response(line, headers, info=None):
        status.append(line)

    reply = publish_module(environ, start_response)
    b"".join(reply)
    if hasattr(reply, "close"):
        reply.close()
    return status[0]


class Path:
    """The package's functions called while profiling, by file."""

    def __init__(self) -> None:
        self.functions: dict[str, set[str]] = {}
        self.info_loads = 0

    def __call__(self, frame, event, arg) -> None:
        filename = frame.f_code.co_filename
        if event != "call" or PACKAGE not in filename or "/tests/" in filename:
            return
        name = frame.f_code.co_name
        self.functions.setdefault(filename.split(PACKAGE, 1)[1], set()).add(name)
        if name == "get_info":
            self.info_loads += 1


def patch(location: str, offset: int, data: bytes) -> tuple[str, Path]:
    path = Path()
    sys.setprofile(path)
    try:
        status = publish(
            location,
            "PATCH",
            {
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
            data,
        )
    finally:
        sys.setprofile(None)
    return status, path


def test_a_patch_loads_the_info_once(alice):
    location = alice.create(2048, filename="a.bin").headers["Location"]
    middle_status, middle = patch(location, 0, b"x" * 1024)
    final_status, final = patch(location, 1024, b"y" * 1024)
    assert middle_status.startswith("204"), middle_status
    assert final_status.startswith("204"), final_status
    assert middle.info_loads == 1
    assert final.info_loads == 1
    report = os.environ.get("TUSUPLOAD_PATCH_PATH")
    if report:
        with open(report, "w") as file:
            json.dump(
                {
                    "middle": sorted(middle.functions),
                    "final": sorted(final.functions),
                },
                file,
                indent=1,
            )
