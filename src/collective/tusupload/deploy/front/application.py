"""Calling the WSGI application in one of its threads, and collecting its reply.

The application (Zope) runs in a bounded pool of threads. Each call gets a
complete request (a body the loop has read, or an upload body the
application hands back, see :mod:`collective.tusupload.core.handoff`) and
leaves a complete reply: its body is gathered into a spooled temporary
file (in memory up to :data:`SPOOL_IN_MEMORY`), or, for a file the
application hands to ``wsgi.file_wrapper``, kept as that file for the loop
to send with ``sendfile``. So a thread is never held by a client that
reads its reply slowly.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.deploy.front.replies import Reply

import itertools
import logging
import os
import tempfile


logger = logging.getLogger("collective.tusupload.front")

#: Reply bodies stay in memory up to this size, then go to a temporary file.
SPOOL_IN_MEMORY = 1 << 20


class FileWrapper:
    """``wsgi.file_wrapper``: a file the server sends itself.

    :param file: an open file; sent from its current position to its end.
    """

    def __init__(self, file, block_size: int = 1 << 20) -> None:
        self.file = file
        self.block_size = block_size

    def sendable(self) -> tuple[int, int] | None:
        """``(offset, count)`` to send with ``sendfile``, or None if it can't be."""
        try:
            descriptor = self.file.fileno()
            offset = self.file.tell()
            size = os.fstat(descriptor).st_size
        except (AttributeError, OSError, ValueError):
            return None
        return offset, max(size - offset, 0)

    def __iter__(self):
        while True:
            block = self.file.read(self.block_size)
            if not block:
                return
            yield block

    def close(self) -> None:
        close = getattr(self.file, "close", None)
        if close is not None:
            close()


class ResponseStarted:
    """What ``start_response`` was given."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        if exc_info is not None and self.status is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        code = status.split(" ", 1)[0]
        self.status = int(code) if code.isdigit() else 500
        self.headers = list(headers)
        # The legacy write() callable: collected before the iterable's body.
        return self.written.append


def call(app: Callable, environ: dict) -> Reply:
    """Run ``app`` on ``environ`` and return its whole reply.

    An exception of the application answers 500 (its traceback is logged):
    it is the application's failure, not the client's.
    """
    started = ResponseStarted()
    try:
        result = app(environ, started)
    except Exception:
        logger.exception("the application failed on %s", _describe(environ))
        return _failed()
    try:
        return _collect(started, result)
    except Exception:
        logger.exception("the application's reply failed on %s", _describe(environ))
        _close(result)
        return _failed()


def _collect(started: ResponseStarted, result: Iterable[bytes]) -> Reply:
    if isinstance(result, FileWrapper) and not started.written:
        region = result.sendable()
        if region is not None and started.status is not None:
            offset, count = region
            return Reply(
                status=started.status,
                headers=started.headers,
                body=result.file,
                length=count,
                on_sent=result.close,
            )
    if started.status is None:
        _close(result)
        raise RuntimeError("the application returned without start_response")
    blocks: list[bytes] = []
    size = 0
    spool = None
    try:
        for block in itertools.chain(started.written, result):
            if not block:
                continue
            size += len(block)
            if spool is None and size <= SPOOL_IN_MEMORY:
                blocks.append(block)
                continue
            if spool is None:
                spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed on_sent
                spool.writelines(blocks)
                blocks = []
            spool.write(block)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    finally:
        _close(result)
    if spool is None:
        return Reply(
            status=started.status, headers=started.headers, body=b"".join(blocks)
        )
    spool.seek(0)
    return Reply(
        status=started.status,
        headers=started.headers,
        body=spool,
        length=size,
        on_sent=spool.close,
    )


def _close(result) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            logger.exception("closing the application's reply failed")


def _failed() -> Reply:
    return Reply(
        status=500,
        headers=[("Content-Type", "text/plain; charset=utf-8")],
        body=b"internal server error\n",
        close=True,
    )


def _describe(environ: dict) -> str:
    return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')!r}"
