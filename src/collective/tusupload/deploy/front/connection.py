"""One client connection, served by the event loop.

The loop reads each request head (a slow head is closed after
``header_timeout``, an idle connection after ``keepalive_timeout``), reads
a body the application gets whole into a spooled file (a body that stalls
for ``body_timeout`` is dropped, and the application never sees it), hands
the request to the application's threads, and sends the reply, closing the
connection when it has to and saying so in the reply. An upload's append
takes another way (:mod:`.uploads`). No thread waits on a client here.
"""

from __future__ import annotations

from collective.tusupload.deploy.front import uploads
from collective.tusupload.deploy.front.environ import build
from collective.tusupload.deploy.front.heads import BadHead
from collective.tusupload.deploy.front.heads import from_h11
from collective.tusupload.deploy.front.heads import MAX_HEAD_BYTES
from collective.tusupload.deploy.front.heads import refusal_of
from collective.tusupload.deploy.front.heads import RequestHead
from collective.tusupload.deploy.front.replies import CONTINUE
from collective.tusupload.deploy.front.replies import encode_head
from collective.tusupload.deploy.front.replies import has_no_body
from collective.tusupload.deploy.front.replies import Reply
from collective.tusupload.deploy.front.replies import simple
from typing import TYPE_CHECKING

import asyncio
import contextlib
import h11
import io
import logging
import os
import socket
import tempfile
import time


if TYPE_CHECKING:
    from collective.tusupload.deploy.front.roles import AppHost


logger = logging.getLogger("collective.tusupload.front")

#: Buffered bodies stay in memory up to this size, then go to a temporary file.
SPOOL_IN_MEMORY = 1 << 20

_RECEIVE = 256 * 1024


class ClientGone(Exception):  # noqa: N818 - a state, not an error
    """The client closed, reset or stalled the connection; stop serving it."""


class Connection:
    """A client's connection: its socket, and bytes received past a request."""

    def __init__(
        self, server: AppHost, sock: socket.socket, client: tuple | None
    ) -> None:
        self.server = server
        self.settings = server.settings
        self.sock = sock
        self.client = client[:2] if client else None
        self.pending = bytearray()
        self.loop = asyncio.get_running_loop()
        #: Whether a request is in flight (a stop waits for it).
        self.busy = False

    # -- the connection's life ------------------------------------------------

    async def serve(self) -> None:
        first = True
        try:
            while not self.server.stopping:
                try:
                    parsed = await self.read_head(first=first)
                except BadHead as refusal:
                    await self.send(
                        simple(refusal.status, refusal.message, close=True),
                        method="GET",
                        keep_alive=False,
                    )
                    return
                if parsed is None:
                    return
                parser, head = parsed
                self.busy = True
                try:
                    keep_alive = await self.respond(parser, head)
                finally:
                    self.busy = False
                if not keep_alive:
                    return
                first = False
        except ClientGone:
            pass
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    async def read_head(
        self, *, first: bool
    ) -> tuple[h11.Connection, RequestHead] | None:
        """The next request head, or None when the client closed or idled out.

        :raises BadHead: for a head the server refuses (also one too slow).
        """
        parser = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        started = bool(self.pending)
        if self.pending:
            parser.receive_data(bytes(self.pending))
            self.pending.clear()
        now = time.monotonic()
        if first or started:
            deadline = now + self.settings.header_timeout
        else:
            deadline = now + self.settings.keepalive_timeout
        while True:
            try:
                event = parser.next_event()
            except h11.RemoteProtocolError as error:
                raise refusal_of(error) from None
            if isinstance(event, h11.Request):
                return parser, from_h11(event)
            if event is not h11.NEED_DATA:
                return None  # ConnectionClosed, or nothing more to read
            try:
                data = await self.receive(deadline - time.monotonic())
            except TimeoutError:
                if started or first:
                    raise BadHead(408, "the request head took too long") from None
                return None
            if not data:
                parser.receive_data(b"")
                if not started:
                    return None
                continue
            if not started:
                started = True
                deadline = time.monotonic() + self.settings.header_timeout
            parser.receive_data(data)

    async def respond(self, parser: h11.Connection, head: RequestHead) -> bool:
        """Answer one request; returns whether the connection stays open."""
        environ = build(head, self.server.listener, self.client)
        if uploads.is_append(head):
            return await uploads.serve(self, parser, head, environ)
        if head.has_body:
            body = await self.read_body(parser, head)
            if body is None:
                return False
        else:
            body = io.BytesIO()
            self.pending += parser.trailing_data[0]
        environ["wsgi.input"] = body
        try:
            reply = await self.server.call_app(environ)
        finally:
            body.close()
        keep_alive = self.keeps_open(head, reply)
        await self.send(reply, method=head.method, keep_alive=keep_alive)
        return keep_alive

    def close_now(self) -> None:
        """End the connection from any side: reads in the loop or a body
        thread end at once (an upload keeps what arrived)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def keeps_open(self, head: RequestHead, reply: Reply) -> bool:
        return head.wants_keep_alive and not reply.close and not self.server.stopping

    # -- bodies the application gets whole ------------------------------------

    async def read_body(self, parser: h11.Connection, head: RequestHead):
        """The whole body in a spooled file, rewound; None if it never ended.

        A body over ``max_body`` is refused (413) before it is read.
        """
        if (
            head.content_length is not None
            and head.content_length > self.settings.max_body
        ):
            await self.send(
                simple(413, "request body too large", close=True),
                method=head.method,
                keep_alive=False,
            )
            return None
        if head.expects_continue:
            await self.send_bytes(CONTINUE)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        size = 0
        try:
            while True:
                try:
                    event = parser.next_event()
                except h11.RemoteProtocolError:
                    await self.send(
                        simple(400, "malformed request body", close=True),
                        method=head.method,
                        keep_alive=False,
                    )
                    spool.close()
                    return None
                if isinstance(event, h11.Data):
                    size += len(event.data)
                    if size > self.settings.max_body:
                        await self.send(
                            simple(413, "request body too large", close=True),
                            method=head.method,
                            keep_alive=False,
                        )
                        spool.close()
                        return None
                    spool.write(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self.pending += parser.trailing_data[0]
                    spool.seek(0)
                    return spool
                elif event is h11.NEED_DATA:
                    try:
                        data = await self.receive(self.settings.body_timeout)
                    except TimeoutError:
                        logger.info(
                            "%s: a request body sent nothing for %.0f s; dropped",
                            self.client_text,
                            self.settings.body_timeout,
                        )
                        spool.close()
                        return None
                    if not data:
                        spool.close()
                        return None
                    parser.receive_data(data)
                else:
                    spool.close()
                    return None
        except ClientGone:
            spool.close()
            raise

    # -- socket I/O on the loop -----------------------------------------------

    @property
    def client_text(self) -> str:
        return self.client[0] if self.client else "-"

    async def receive(self, timeout: float) -> bytes:
        """Bytes from the client (``b""`` at its end); TimeoutError if none came."""
        if timeout <= 0:
            raise TimeoutError()
        try:
            return await asyncio.wait_for(
                self.loop.sock_recv(self.sock, _RECEIVE), timeout
            )
        except (ConnectionError, OSError) as error:
            if isinstance(error, TimeoutError):
                raise
            return b""

    async def send(self, reply: Reply, *, method: str, keep_alive: bool) -> None:
        """Send ``reply``; its body unless the method or status has none."""
        try:
            head = encode_head(reply, method=method, keep_alive=keep_alive)
            if has_no_body(reply.status, method):
                await self.send_bytes(head)
            elif isinstance(reply.body, bytes):
                await self.send_bytes(head + reply.body)
            else:
                await self.send_bytes(head)
                await self.send_file(reply.body, reply.body_length)
        finally:
            reply.done()

    async def send_bytes(self, data: bytes) -> None:
        """Send all of ``data``; ClientGone if the client takes nothing for a while."""
        view = memoryview(data)
        while view:
            try:
                sent = self.sock.send(view)
            except (BlockingIOError, InterruptedError):
                await self.writable()
                continue
            except OSError:
                raise ClientGone() from None
            view = view[sent:]

    async def send_file(self, file, count: int) -> None:
        """Send ``count`` bytes of ``file`` from its position (``sendfile``)."""
        offset = file.tell()
        descriptor = file.fileno()
        while count > 0:
            try:
                sent = os.sendfile(self.sock.fileno(), descriptor, offset, count)
            except (BlockingIOError, InterruptedError):
                await self.writable()
                continue
            except OSError:
                raise ClientGone() from None
            if sent == 0:
                raise ClientGone()  # the file is shorter than it said
            offset += sent
            count -= sent

    async def writable(self) -> None:
        """Wait until the socket takes more; ClientGone after ``body_timeout``."""
        ready = self.loop.create_future()
        descriptor = self.sock.fileno()

        def set_ready() -> None:
            if not ready.done():
                ready.set_result(None)

        self.loop.add_writer(descriptor, set_ready)
        try:
            await asyncio.wait_for(ready, self.settings.body_timeout)
        except TimeoutError:
            raise ClientGone() from None
        finally:
            self.loop.remove_writer(descriptor)
