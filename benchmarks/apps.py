"""WSGI apps the benchmark serves with waitress.

``sink``
    Contender 5, the upper bound of the WSGI stack: answers tus just enough for
    the benchmark client (POST 201 with a Location, PATCH 204 with the new
    offset) and appends each request body to a file in 1 MiB blocks. No
    locking, no info file, no fsync: only waitress, one copy, the disk.

``finished``
    The app behind contender 3 (the add-on's filter): it answers the request
    that completes an upload with a small JSON body and does nothing else, so
    that the filter is measured, not the example app's SHA-256 of the file.
"""

from __future__ import annotations

import itertools
import json
import os


BLOCK = 1 << 20


class BodySink:
    """Contender 5: write each request body to ``<directory>/<id>``."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.counter = itertools.count(1)
        self.lengths: dict[str, int] = {}

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        headers = [("Tus-Resumable", "1.0.0")]
        if method == "POST":
            upload_id = str(next(self.counter))
            self.lengths[upload_id] = int(environ.get("HTTP_UPLOAD_LENGTH", "0"))
            open(os.path.join(self.directory, upload_id), "wb").close()
            headers.append(("Location", f"/files/{upload_id}"))
            start_response("201 Created", headers + [("Content-Length", "0")])
            return [b""]
        upload_id = path.rsplit("/", 1)[-1]
        if method == "PATCH":
            remaining = int(environ.get("CONTENT_LENGTH") or 0)
            stream = environ["wsgi.input"]
            target = os.path.join(self.directory, upload_id)
            with open(target, "ab") as data_file:
                while remaining:
                    block = stream.read(min(BLOCK, remaining))
                    if not block:
                        break
                    data_file.write(block)
                    remaining -= len(block)
                offset = data_file.tell()
            headers.append(("Upload-Offset", str(offset)))
            if offset >= self.lengths.get(upload_id, 0):
                os.unlink(target)
                self.lengths.pop(upload_id, None)
            start_response("204 No Content", headers)
            return [b""]
        start_response("404 Not Found", headers + [("Content-Length", "0")])
        return [b""]


def finished(environ, start_response):
    """The app behind the filter: acknowledge a finished upload."""
    if "tus.upload_id" in environ:
        body = json.dumps(
            {
                "upload_id": environ["tus.upload_id"],
                "length": environ.get("tus.upload_length"),
            }
        ).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
    start_response("404 Not Found", [("Content-Length", "0")])
    return [b""]


def make_sink(global_conf, directory):
    """PasteDeploy factory for :class:`BodySink`."""
    return BodySink(directory)


def make_finished(global_conf, **options):
    """PasteDeploy factory for :func:`finished`."""
    return finished
