"""The WSGI environ of a request (PEP 3333), built once from its head."""

from __future__ import annotations

from collective.tusupload.deploy.front.application import FileWrapper
from collective.tusupload.deploy.front.heads import RequestHead
from dataclasses import dataclass

import sys


@dataclass(frozen=True)
class Listener:
    """What every request on one listening socket shares.

    :ivar server_name: the host name the server was bound to.
    :ivar server_port: its port, as text.
    :ivar url_scheme: ``http``, or ``https`` behind a TLS-terminating proxy.
    """

    server_name: str
    server_port: str
    url_scheme: str = "http"


def build(
    head: RequestHead,
    listener: Listener,
    client: tuple[str, int] | None,
) -> dict:
    """The environ of ``head``; ``wsgi.input`` is set by the caller.

    Header fields whose name holds ``_`` are left out, as gunicorn and
    waitress do: in the environ they would read like ``-`` and could pose as
    headers a proxy set.
    """
    environ = {
        "REQUEST_METHOD": head.method,
        "SCRIPT_NAME": "",
        # PEP 3333: the decoded path's bytes, as latin-1 text.
        "PATH_INFO": head.path.decode("latin-1"),
        "QUERY_STRING": head.query.decode("latin-1"),
        "SERVER_NAME": listener.server_name,
        "SERVER_PORT": listener.server_port,
        "SERVER_PROTOCOL": "HTTP/" + head.http_version.decode("ascii"),
        "REMOTE_ADDR": client[0] if client else "",
        "REMOTE_PORT": str(client[1]) if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": listener.url_scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.input_terminated": True,
    }
    for name, value in head.headers:
        if b"_" in name:
            continue
        text = value.decode("latin-1")
        if name == b"content-type":
            environ["CONTENT_TYPE"] = text
            continue
        if name == b"content-length":
            environ["CONTENT_LENGTH"] = text.split(",")[0].strip()
            continue
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + text
        else:
            environ[key] = text
    if head.chunked:
        environ.pop("CONTENT_LENGTH", None)
    return environ
