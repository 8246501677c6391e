"""Which request bodies reach the application as a stream, and which are buffered.

A server that streams request bodies (gunicorn, see :mod:`.serve`) lets the
tus core write each block of a PATCH as it arrives, so a connection that
breaks mid-body keeps what arrived. But the rest of an application may
expect what waitress gives: a body it can read twice. Zope does. When a
transaction conflicts, Zope publishes the request again and first rewinds
``wsgi.input`` (``HTTPRequest.retry`` calls ``stdin.seek(0)``). On a socket
stream that raises, and a form POST that merely conflicted fails with a 500.

So :class:`StreamUploadBodies` streams only the bodies the tus core reads,
``application/offset+octet-stream`` (tus 1.0) and
``application/partial-upload`` (the IETF draft). It wraps them in
:class:`StreamedBody`, which counts what was read and rewinds only while
nothing was. Every other body is read at once into a spooled temporary file
(in memory up to 1 MiB, as waitress does), so it can be read again.

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
    """Whether the request's body is tus upload data (by its media type)."""
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

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

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
                environ["wsgi.input"] = StreamedBody(stream, length)
            else:
                environ["wsgi.input"] = buffered_body(stream, length)
                environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)
