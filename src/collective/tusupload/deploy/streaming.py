"""Which request bodies reach the application as a stream, and which are buffered.

A server that streams request bodies (gunicorn, see :mod:`.serve`) lets the
tus core write each block of a PATCH as it arrives, so a connection that
breaks mid-body keeps what arrived. But the rest of an application may
expect what waitress gives: a body it can read twice. Zope does. When a
transaction conflicts, Zope publishes the request again and first rewinds
``wsgi.input`` (``HTTPRequest.retry`` calls ``stdin.seek(0)``). On a socket
stream that raises, and a form POST that merely conflicted fails with a 500.

So :class:`StreamUploadBodies` streams only the bodies the tus core reads:
``application/offset+octet-stream`` (tus 1.0), and every body of a request
of the IETF draft (``Upload-Draft-Interop-Version``; its appends are
``application/partial-upload``, those of drafts 3 to 5 carry no media type,
its creation request the representation's). It wraps them in
:class:`StreamedBody`, which counts what was read and rewinds only while
nothing was. Every other body is read at once into a spooled temporary file
(in memory up to 1 MiB, as waitress does), so it can be read again.

Under gunicorn a streamed body of known length is read straight from the
connection's socket (:class:`GunicornSocketBody`): gunicorn's own reader
copies each block through several ``BytesIO`` buffers, about a fifth of a
Plone PATCH's time in a profile. The bytes gunicorn had already buffered
come first, gunicorn's count of the body's remaining bytes is kept right, so
the connection is reused as before, and nothing past the body is read.

A tus PATCH that Zope publishes again after a conflict finds its body
consumed: the second attempt reads an empty body, stores nothing, and
answers the offset the server really holds, so the client sends that part
again. That costs the client a re-send, which the core could avoid (see
``docs/deployment.rst``, "Streaming servers").
"""

from __future__ import annotations

from typing import BinaryIO

import io
import logging
import tempfile


logger = logging.getLogger("collective.tusupload")

#: Bodies the tus core reads in blocks; they are streamed.
UPLOAD_MEDIA_TYPES = frozenset(
    {"application/offset+octet-stream", "application/partial-upload"}
)

#: Buffered bodies stay in memory up to this size, then go to a temporary file.
SPOOL_IN_MEMORY = 1 << 20

BLOCK = 1 << 20


def is_upload_body(environ: dict) -> bool:
    """Whether the request's body is upload data for the tus core.

    tus 1.0 by its media type; the IETF draft by its interop version header.
    """
    if environ.get("HTTP_UPLOAD_DRAFT_INTEROP_VERSION"):
        return True
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media_type in UPLOAD_MEDIA_TYPES


def has_body(environ: dict) -> bool:
    """Whether the request announces a body (a length, or chunked transfer)."""
    length = environ.get("CONTENT_LENGTH", "")
    if length not in ("", "0"):
        return True
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class StreamedBody(io.RawIOBase):
    """The server's body stream, readable once, rewindable until first read.

    :param stream: the server's ``wsgi.input``.
    :param length: ``CONTENT_LENGTH``; reads stop there (``None``: until the
        server ends the stream, for chunked bodies).
    """

    def __init__(self, stream: BinaryIO, length: int | None) -> None:
        super().__init__()
        self._stream = stream
        self._remaining = length
        self._position = 0
        self._replayed = False
        self._ended = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    @property
    def unread(self) -> bool:
        """Whether bytes of the body are left on the connection."""
        if self._ended:
            return False
        return self._remaining is None or self._remaining > 0

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Rewind to the start: a no-op while nothing was read.

        Once bytes were consumed they are gone; the stream then reports its
        end, so a request published again reads an empty body.
        """
        if whence == io.SEEK_CUR and offset == 0:
            return self._position
        if whence != io.SEEK_SET or offset != 0:
            raise io.UnsupportedOperation("a streamed body can only be rewound")
        if self._position:
            if not self._replayed:
                logger.warning(
                    "a streamed request body (%d bytes read) was asked to be "
                    "read again; the repeat sees an empty body",
                    self._position,
                )
            self._replayed = True
            self._remaining = 0
        return 0

    def read(self, size: int | None = -1) -> bytes:
        if self._replayed or self._remaining == 0:
            return b""
        if size is None or size < 0:
            size = self._remaining if self._remaining is not None else -1
        elif self._remaining is not None:
            size = min(size, self._remaining)
        block = self._stream.read(size)
        if not block and size:
            self._ended = True
        self._position += len(block)
        if self._remaining is not None:
            self._remaining -= len(block)
        return block

    def readinto(self, buffer) -> int:
        block = self.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)

    def readline(self, size: int | None = -1) -> bytes:
        if self._replayed or self._remaining == 0:
            return b""
        if size is None or size < 0:
            size = self._remaining if self._remaining is not None else -1
        elif self._remaining is not None:
            size = min(size, self._remaining)
        line = self._stream.readline(size)
        self._position += len(line)
        if self._remaining is not None:
            self._remaining -= len(line)
        return line


class GunicornSocketBody:
    """A gunicorn request body of known length, read from its socket.

    Use :meth:`wrap`, which returns ``None`` for anything but gunicorn's
    plain ``Content-Length`` body (chunked bodies keep gunicorn's reader).
    A read fills up to ``size`` bytes with ``recv_into`` into one reused
    buffer; a connection that ends or fails early gives a short read (or, with
    nothing read, the ``OSError``), which the tus core counts as a disconnect
    and keeps what arrived.
    """

    def __init__(self, body) -> None:
        reader = body.reader
        unreader = reader.unreader
        # Read from the reader but not yet returned; already counted off.
        buffered = body.buf.getvalue()
        # Received with the headers or read ahead; may run past the body.
        ahead = unreader.buf.getvalue()
        taken = ahead[: reader.length]
        unreader.buf = io.BytesIO()
        unreader.buf.write(ahead[len(taken) :])
        reader.length -= len(taken)
        body.buf = io.BytesIO()
        self._pending = buffered + taken
        self._body = body
        self._reader = reader
        self._socket = unreader.sock
        self._buffer = bytearray(BLOCK)
        self._error: OSError | None = None

    @classmethod
    def wrap(cls, stream) -> GunicornSocketBody | None:
        """The socket reader for gunicorn's ``wsgi.input``, else ``None``."""
        try:
            from gunicorn.http.body import Body
            from gunicorn.http.body import LengthReader
            from gunicorn.http.unreader import SocketUnreader
        except ImportError:
            return None
        if type(stream) is not Body or type(stream.reader) is not LengthReader:
            return None
        unreader = stream.reader.unreader
        if type(unreader) is not SocketUnreader:
            return None
        if not all(
            isinstance(getattr(owner, name, None), kind)
            for owner, name, kind in (
                (stream, "buf", io.BytesIO),
                (unreader, "buf", io.BytesIO),
                (stream.reader, "length", int),
                (unreader, "sock", object),
            )
        ):
            return None
        return cls(stream)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = len(self._pending) + self._reader.length
        if self._error is not None and not self._pending:
            error, self._error = self._error, None
            raise error
        size = min(size, len(self._pending) + self._reader.length)
        if size <= 0:
            return b""
        if size > len(self._buffer):
            self._buffer = bytearray(size)
        view = memoryview(self._buffer)[:size]
        filled = min(len(self._pending), size)
        view[:filled] = self._pending[:filled]
        self._pending = self._pending[filled:]
        while filled < size and self._error is None:
            try:
                count = self._socket.recv_into(view[filled:])
            except OSError as error:
                self._body.failed = True  # gunicorn must not reuse it
                if not filled:
                    raise
                self._error = error
                break
            if not count:
                self._body.failed = True
                break
            filled += count
            self._reader.length -= count
        return bytes(view[:filled])


def buffered_body(stream: BinaryIO, length: int | None) -> BinaryIO:
    """Read the body into a spooled temporary file, rewound.

    A client that disconnects early leaves a shorter file; the application
    then sees the short body, as with waitress.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    remaining = length
    while remaining is None or remaining > 0:
        wanted = BLOCK if remaining is None else min(BLOCK, remaining)
        try:
            block = stream.read(wanted)
        except OSError:
            break
        if not block:
            break
        spool.write(block)
        if remaining is not None:
            remaining -= len(block)
    spool.seek(0)
    return spool


class StreamUploadBodies:
    """WSGI middleware: stream tus upload bodies, buffer all others.

    Use it between a streaming server and an application that may read a
    body twice (Zope). See the module's docstring.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if has_body(environ):
            length_text = environ.get("CONTENT_LENGTH", "")
            length = int(length_text) if length_text.isdigit() else None
            stream = environ["wsgi.input"]
            if is_upload_body(environ):
                direct = GunicornSocketBody.wrap(stream) if length else None
                body = StreamedBody(direct or stream, length)
                environ["wsgi.input"] = body
                return self.app(environ, closing_if_unread(body, start_response))
            environ["wsgi.input"] = buffered_body(stream, length)
            environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)


def closing_if_unread(body: StreamedBody, start_response):
    """``start_response`` that says ``Connection: close`` if ``body`` was not read.

    gunicorn reads at most 64 KiB of a body the application left, then
    closes the connection, while the reply it sent said keep-alive: the
    client's next request on it fails. Said, the client opens a new one.
    """

    def start(status, headers, exc_info=None):
        if body.unread:
            headers = [
                (name, value) for name, value in headers if name.lower() != "connection"
            ]
            headers.append(("Connection", "close"))
        return start_response(status, headers, exc_info)

    return start
