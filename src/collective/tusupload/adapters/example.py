"""A tiny WSGI app to put behind the tus :class:`~.wsgi.Filter` (see ``docs/examples``).

It shows a short page at ``/`` and, when the filter hands on a finished upload,
answers with a JSON summary of the file: id, metadata, size and SHA-256. With
``received_dir`` set it also writes that summary to ``<received_dir>/<id>.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.adapters.common import parse_int
from collective.tusupload.core.sizes import BLOCK_SIZE

import hashlib
import json
import os


PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>collective.tusupload example</title></head>
<body><h1>collective.tusupload example</h1>
<p>tus 1.0.0 uploads are served at <code>%(upload_path)s</code>.
Point any tus client at it, for example:</p>
<pre>python -c "from tusclient import client; \\
client.TusClient('%(base)s%(upload_path)s').uploader('FILE').upload()"</pre>
</body></html>
"""


class ExampleApp:
    """The app behind the filter.

    :param received_dir: where to write one JSON summary per finished upload
        (``None``: write nothing).
    :param upload_path: only used in the page text.
    :param block_size: bytes read at a time when hashing the file.
    """

    def __init__(
        self,
        *,
        received_dir: str | None = None,
        upload_path: str = "/files",
        block_size: int = BLOCK_SIZE,
    ) -> None:
        self.received_dir = received_dir
        self.upload_path = upload_path
        self.block_size = block_size
        if received_dir:
            os.makedirs(received_dir, exist_ok=True)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if "tus.upload_id" in environ:
            return self.finished(environ, start_response)
        if environ.get("PATH_INFO", "/") in ("", "/"):
            host = environ.get("HTTP_HOST", "localhost")
            base = f"{environ['wsgi.url_scheme']}://{host}"
            body = PAGE % {
                b"upload_path": self.upload_path.encode(),
                b"base": base.encode(),
            }
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        body = b"not found\n"
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def finished(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Summarise the finished upload the filter handed on."""
        digest = hashlib.sha256()
        size = 0
        with open(environ["tus.filepath"], "rb") as data_file:
            while block := data_file.read(self.block_size):
                digest.update(block)
                size += len(block)
        summary = {
            "upload_id": environ["tus.upload_id"],
            "metadata": environ["tus.metadata"],
            "size": size,
            "sha256": digest.hexdigest(),
            "request_body": _read_body(environ)
            if not environ.get("tus.send_file")
            else None,
        }
        if self.received_dir:
            path = os.path.join(self.received_dir, environ["tus.upload_id"] + ".json")
            with open(path + ".tmp", "w", encoding="utf-8") as summary_file:
                json.dump(summary, summary_file)
            os.replace(path + ".tmp", path)
        body = json.dumps(summary).encode("utf-8")
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def _read_body(environ: dict) -> str:
    length = parse_int(environ.get("CONTENT_LENGTH"), 0) or 0
    return environ["wsgi.input"].read(min(length, 4096)).decode("utf-8", "replace")


def make_app(global_conf: dict, **local_conf: str) -> ExampleApp:
    """PasteDeploy ``paste.app_factory`` for :class:`ExampleApp`."""
    return ExampleApp(
        received_dir=local_conf.get("received_dir") or None,
        upload_path=local_conf.get("upload_path", "/files"),
    )
