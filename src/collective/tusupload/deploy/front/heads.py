"""Request heads: parsed strictly, refused in words.

h11 parses the request line and the header fields (and the framing of a
body the event loop reads itself); this module adds what a server in front
of Zope must decide before any application code runs:

- how the body is framed, refusing ``Content-Length`` beside
  ``Transfer-Encoding`` (a request-smuggling shape RFC 9112 lets a server
  reject);
- the path as the application gets it (``PATH_INFO``): percent-decoded, and
  valid UTF-8, because Zope answers 500 for anything else;
- whether the connection may stay open afterwards.

Every refusal is a :class:`BadHead` with a status and a short message.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import h11


#: Largest request head (request line and header fields) accepted.
MAX_HEAD_BYTES = 64 * 1024

#: Path segments under which a bad path is answered 404 (an upload that
#: can't exist) rather than 400.
UPLOAD_SEGMENTS = (b"/@tus-upload", b"/@tus-replace")


class BadHead(Exception):  # noqa: N818 - carries a reply, like an HTTP error
    """A request head the server refuses: a status and a short message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class RequestHead:
    """One parsed request head.

    :ivar method: the method as sent (``PATCH``).
    :ivar target: the request target as sent (bytes).
    :ivar path: the percent-decoded path (bytes, valid UTF-8).
    :ivar query: the query string, undecoded (bytes, without ``?``).
    :ivar http_version: ``b"1.1"`` or ``b"1.0"``.
    :ivar headers: ``(lower-cased name, value)`` pairs, in order.
    :ivar content_length: the body's length; None for a chunked body.
    :ivar chunked: whether the body is sent with chunked transfer coding.
    """

    method: str
    target: bytes
    path: bytes
    query: bytes
    http_version: bytes
    headers: list[tuple[bytes, bytes]]
    content_length: int | None
    chunked: bool

    def header(self, name: bytes) -> bytes | None:
        """The value of header ``name`` (lower-case), duplicates joined by ``,``."""
        values = [value for key, value in self.headers if key == name]
        if not values:
            return None
        return b",".join(values)

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.content_length)

    @property
    def expects_continue(self) -> bool:
        """Whether the client waits for ``100 Continue`` before its body."""
        expect = self.header(b"expect")
        return (
            self.http_version == b"1.1"
            and expect is not None
            and expect.strip().lower() == b"100-continue"
        )

    @property
    def wants_keep_alive(self) -> bool:
        """Whether the client lets the connection stay open after the reply."""
        tokens = {
            token.strip().lower()
            for token in (self.header(b"connection") or b"").split(b",")
        }
        if self.http_version == b"1.0":
            return b"keep-alive" in tokens
        return b"close" not in tokens

    @property
    def is_head(self) -> bool:
        return self.method == "HEAD"


def from_h11(request: h11.Request) -> RequestHead:
    """Check an h11 request event and turn it into a :class:`RequestHead`.

    :raises BadHead: for framing or a path the server refuses.
    """
    headers = [(bytes(name), bytes(value)) for name, value in request.headers]
    names = {name for name, _ in headers}
    chunked = b"transfer-encoding" in names
    if chunked and b"content-length" in names:
        raise BadHead(400, "Content-Length and Transfer-Encoding together")
    content_length = None
    if not chunked:
        # h11 checked the value (digits, duplicates the same).
        values = [value for name, value in headers if name == b"content-length"]
        content_length = int(values[0].split(b",")[0]) if values else 0
    target = bytes(request.target)
    path, query = split_target(target)
    return RequestHead(
        method=request.method.decode("ascii"),
        target=target,
        path=path,
        query=query,
        http_version=bytes(request.http_version),
        headers=headers,
        content_length=content_length,
        chunked=chunked,
    )


def split_target(target: bytes) -> tuple[bytes, bytes]:
    """The decoded path and the raw query of a request target.

    :raises BadHead: 400 for a target that is not a path (``*``, an
        authority), 400 (404 under the upload endpoints) for a path that is
        not UTF-8 once percent-decoded, or that holds a NUL byte.
    """
    if target.startswith((b"http://", b"https://")):
        # absolute-form (a proxy's): keep the path and query only.
        rest = target.split(b"//", 1)[1]
        slash = rest.find(b"/")
        target = rest[slash:] if slash >= 0 else b"/"
    if not target.startswith(b"/"):
        raise BadHead(400, "the request target must be a path")
    raw_path, _, query = target.partition(b"?")
    path = unquote_to_bytes(raw_path)
    check_path(path)
    return path, query


def check_path(path: bytes) -> None:
    """Refuse a decoded path Zope can't take.

    :raises BadHead: 400 (404 under the upload endpoints) for a path that is
        not UTF-8, 400 for one that holds a NUL byte.
    """
    try:
        path.decode("utf-8")
    except UnicodeDecodeError:
        status = 404 if any(segment in path for segment in UPLOAD_SEGMENTS) else 400
        raise BadHead(status, "the path is not valid UTF-8") from None
    if b"\x00" in path:
        raise BadHead(400, "the path holds a NUL byte")


def refusal_of(error: h11.RemoteProtocolError) -> BadHead:
    """A short, fixed message for what h11 refused (its own text quotes bytes)."""
    status = error.error_status_hint
    if status == 431 or "too long" in str(error).lower():
        return BadHead(431, "request header fields too large")
    if status == 501:
        return BadHead(501, "transfer coding not supported")
    if "Host" in str(error):
        return BadHead(400, "the Host header is missing")
    return BadHead(400, "malformed request head")
