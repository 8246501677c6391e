"""Replies as the front server sends them: a status, headers and a body source.

The application's reply is collected in its thread (:mod:`.application`)
and sent by the event loop, so a client that reads slowly holds no thread.
The body is bytes, a spooled temporary file, or a file the loop sends with
``sendfile``. The server decides the framing (``Content-Length``), whether
the connection stays open, and that a reply to ``HEAD`` (and a ``204`` or
``304``) carries no body whatever the application gave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from email.utils import formatdate
from http import HTTPStatus
from typing import BinaryIO


#: ``Server`` header of every reply.
SERVER_NAME = "collective.tusupload front"

#: Headers of the application that the server sets itself.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"proxy-connection",
    }
)


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass
class Reply:
    """One reply.

    :ivar status: the status code.
    :ivar headers: ``(name, value)`` pairs as the application gave them.
    :ivar body: bytes, or a file to send from its current position.
    :ivar length: the body's length (None: the length of ``body`` bytes).
    :ivar close: say ``Connection: close`` and close after sending.
    :ivar on_sent: called once the reply is sent or given up (closes files).
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | BinaryIO = b""
    length: int | None = None
    close: bool = False
    on_sent: Callable[[], None] | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def body_length(self) -> int:
        if self.length is not None:
            return self.length
        return len(self.body) if isinstance(self.body, bytes) else 0

    def done(self) -> None:
        """Release what the body holds (idempotent)."""
        on_sent, self.on_sent = self.on_sent, None
        if on_sent is not None:
            on_sent()


def simple(status: int, message: str, *, close: bool = False) -> Reply:
    """A short plain-text reply of the server's own (bad heads, overload)."""
    return Reply(
        status=status,
        headers=[("Content-Type", "text/plain; charset=utf-8")],
        body=message.encode("utf-8") + b"\n",
        close=close,
    )


def has_no_body(status: int, method: str) -> bool:
    """Replies that carry no body (RFC 9110: HEAD, 1xx, 204, 304)."""
    return method == "HEAD" or status < 200 or status in (204, 304)


def encode_head(reply: Reply, *, method: str, keep_alive: bool) -> bytes:
    """The status line and header fields of ``reply``, ready to send.

    ``Content-Length`` is the server's (the length it will send); a reply to
    ``HEAD`` keeps the application's, which describes the body a ``GET``
    would have.
    """
    lines = [f"HTTP/1.1 {reply.status} {reason(reply.status)}".encode("latin-1")]
    own_length = None
    seen_date = False
    for name, value in reply.headers:
        lowered = name.lower().encode("latin-1")
        if lowered in HOP_BY_HOP:
            continue
        if lowered == b"content-length":
            own_length = value
            continue
        if lowered == b"date":
            seen_date = True
        lines.append(f"{name}: {value}".encode("latin-1"))
    if not seen_date:
        lines.append(f"Date: {formatdate(usegmt=True)}".encode("latin-1"))
    lines.append(f"Server: {SERVER_NAME}".encode("latin-1"))
    if reply.status in (204, 304) or reply.status < 200:
        pass
    elif method == "HEAD":
        # The length a GET would have: the application's, else its body's.
        length = own_length if own_length is not None else reply.body_length
        if own_length is not None or length:
            lines.append(f"Content-Length: {length}".encode("latin-1"))
    else:
        lines.append(f"Content-Length: {reply.body_length}".encode("latin-1"))
    lines.append(b"Connection: keep-alive" if keep_alive else b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
