"""Upload appends: the host says yes, a thread of the server's own stores the body.

An append (a tus PATCH, an append of the IETF draft) goes through the
phases of :mod:`collective.tusupload.core.handoff`:

1. The application gets the request at once, without its body, and a
   :class:`~collective.tusupload.core.handoff.Handoff` in its environ. A
   host that knows it (Plone's ``@tus-upload``, the tus filter) checks
   everything and answers with a permit; its thread is free again within
   milliseconds. A refusal is sent as the host made it. Meanwhile a body
   thread receives the body's start into memory (:mod:`.prefetch`).
2. A *body thread* (not one of the application's, and with no ZODB
   connection) reads the body from the socket and appends it with the
   permit's handler. While the body streams, the host is asked again every
   ``recheck_after`` seconds; a refusal cuts the body and keeps what was
   stored before it.
3. If the body completed the upload, the application gets the request again
   with an empty body and finishes it; its reply is the one sent.

A host that does not know the hand-off reads ``wsgi.input`` as any body,
in its own thread, and still keeps a body cut short.
"""

from __future__ import annotations

from collective.tusupload.core import accesslog
from collective.tusupload.core.handoff import ENVIRON_KEY
from collective.tusupload.core.handoff import Handoff
from collective.tusupload.core.handoff import Permit
from collective.tusupload.core.handoff import RECHECK
from collective.tusupload.core.request import TusResponse
from collective.tusupload.deploy.front import prefetch
from collective.tusupload.deploy.front.bodies import REFUSED
from collective.tusupload.deploy.front.bodies import SocketBody
from collective.tusupload.deploy.front.heads import RequestHead
from collective.tusupload.deploy.front.replies import CONTINUE
from collective.tusupload.deploy.front.replies import Reply
from typing import TYPE_CHECKING

import contextlib
import h11
import io
import time


if TYPE_CHECKING:
    from collective.tusupload.deploy.front.roles import AppHost
    from collective.tusupload.deploy.front.roles import Peer


#: Bodies of appends: tus 1.0's, and the IETF draft's (drafts 3 to 5 name no
#: media type; every request of the draft carries its interop version).
UPLOAD_MEDIA_TYPES = frozenset(
    {b"application/offset+octet-stream", b"application/partial-upload"}
)

#: Headers of the host's reply to the first phase that the reply of the
#: second carries too (what the host adds to every reply of its own).
CARRIED_PREFIXES = ("access-control-", "vary", "set-cookie")


def is_append(head: RequestHead) -> bool:
    """Whether ``head`` may be an upload's append (a PATCH with upload data)."""
    if not head.has_body:
        return False
    method = (head.header(b"x-http-method-override") or head.method.encode()).strip()
    if method.upper() != b"PATCH":
        return False
    if head.header(b"upload-draft-interop-version") is not None:
        return True
    media_type = (head.header(b"content-type") or b"").split(b";", 1)[0]
    return media_type.strip().lower() in UPLOAD_MEDIA_TYPES


#: The longest a body thread waits for an append's start to arrive while
#: the application decides (see :mod:`.prefetch`): a few of its answers,
#: and short enough that a slow client's bytes soon stream as without it.
READ_AHEAD_WAIT = 0.05


async def serve(
    connection: Peer, parser: h11.Connection, head: RequestHead, environ: dict
) -> bool:
    """Answer an append; returns whether the connection stays open."""
    server = connection.server
    settings = server.settings
    chunked = head.content_length is None
    pending = bytearray() if chunked else bytearray(parser.trailing_data[0])
    body = SocketBody(
        connection.sock,
        pending,
        head.content_length,
        timeout=settings.body_timeout,
        block_size=settings.block_size,
        parser=parser if chunked else None,
        on_first_read=_continue_sender(connection) if head.expects_continue else None,
    )
    buffer = _read_ahead(server, body)
    try:
        return await _serve(connection, head, environ, body)
    finally:
        if buffer is not None:
            await _give_back(server, body)


def _read_ahead(server: AppHost, body: SocketBody) -> bytearray | None:
    """Start receiving the body's start while the application decides."""
    count = prefetch.wanted(body, server.settings.read_ahead)
    buffer = server.read_ahead_buffers.take() if count else None
    if buffer is not None:
        body.start_ahead()
        server.body_threads.submit(
            prefetch.receive_ahead,
            body,
            buffer,
            count,
            min(READ_AHEAD_WAIT, server.settings.body_timeout),
        )
    return buffer


async def _give_back(server: AppHost, body: SocketBody) -> None:
    if body.ahead_received:
        buffer = body.release_ahead()
    else:
        # Still receiving (a refusal that did not read the body): not in the loop.
        buffer = await server.in_body_thread(body.release_ahead)
    if buffer is not None:
        server.read_ahead_buffers.give_back(buffer)


async def _serve(
    connection: Peer, head: RequestHead, environ: dict, body: SocketBody
) -> bool:
    server = connection.server
    settings = server.settings
    handoff = Handoff()
    environ["wsgi.input"] = body
    environ[ENVIRON_KEY] = handoff
    reply = await server.call_app(environ)
    permit = handoff.permit
    if permit is None:
        # The host answered itself: a refusal, or it read the body. The
        # socket is in blocking mode while the body's start is received
        # (:mod:`.prefetch`); the loop must not send on it before that ends.
        if not body.ahead_received:
            await server.in_body_thread(body.wait_ahead)
        keep_alive = connection.keeps_open(head, reply)
        if keep_alive and not body.complete:
            # A client that waits for "100 Continue" sends no body now.
            keep_alive = body.on_first_read is None and await server.in_body_thread(
                body.drain, settings.drain_limit
            )
        connection.pending = bytearray(body.leftover()) if keep_alive else bytearray()
        await connection.send(reply, method=head.method, keep_alive=keep_alive)
        return keep_alive
    carried = [
        (name, value)
        for name, value in reply.headers
        if name.lower().startswith(CARRIED_PREFIXES)
    ]
    reply.done()
    recheck = Recheck(server, environ, permit)
    body.guard = recheck
    body.views = True
    received = await server.in_body_thread(permit.receive, body, head.content_length)
    if body.cut == REFUSED and recheck.refusal is not None:
        final = recheck.refusal
        final.close = True
    elif received.needs_host:
        final = await server.call_app(finishing_environ(environ, body.received))
    else:
        final = _as_reply(received.reply, carried)
        end = received.upload.offset if received.upload is not None else None
        accesslog.log_request(
            client=connection.client_text,
            principal=permit.principal,
            method=head.method,
            upload_id=permit.upload_id,
            start=_offset_of(head),
            end=end,
            status=final.status,
        )
    keep_alive = body.complete and connection.keeps_open(head, final)
    connection.pending = bytearray(body.leftover()) if keep_alive else bytearray()
    await connection.send(final, method=head.method, keep_alive=keep_alive)
    return keep_alive


def finishing_environ(environ: dict, stored: int) -> dict:
    """The request again for the host, saying its ``stored`` bytes are in.

    Its body is empty and its ``Content-Length`` the count stored, which is
    how the engine recognises a completing chunk already stored (the same
    as a retried request whose body was read, see
    :func:`~collective.tusupload.core.transfer.body_of_retry`).
    """
    finish = dict(environ)
    del finish[ENVIRON_KEY]
    finish.pop("HTTP_TRANSFER_ENCODING", None)
    finish["CONTENT_LENGTH"] = str(stored)
    finish["wsgi.input"] = io.BytesIO()
    return finish


class Recheck:
    """The body's guard: asks the host again once its yes is ``recheck_after`` old.

    Runs in the body thread; the host answers in one of its threads.
    """

    def __init__(self, server: AppHost, environ: dict, permit: Permit) -> None:
        self.server = server
        self.environ = environ
        self.permit = permit
        self.refusal: Reply | None = None

    def __call__(self) -> bool:
        if (
            time.monotonic() - self.permit.granted_at
            < self.server.settings.recheck_after
        ):
            return True
        handoff = Handoff(RECHECK)
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO()
        environ[ENVIRON_KEY] = handoff
        reply = self.server.call_app_from_thread(environ)
        if handoff.renewed:
            reply.done()
            self.permit.granted_at = time.monotonic()
            return True
        self.refusal = reply
        return False


def _continue_sender(connection: Peer):
    def send_continue() -> None:
        # A connection gone is found by the body read that follows.
        with contextlib.suppress(OSError):
            connection.sock.send(CONTINUE)

    return send_continue


def _as_reply(response: TusResponse, carried: list[tuple[str, str]]) -> Reply:
    headers = [(name, str(value)) for name, value in response.headers.items()]
    names = {name.lower() for name, _ in headers}
    headers += [(name, value) for name, value in carried if name.lower() not in names]
    return Reply(status=response.status, headers=headers, body=response.body)


def _offset_of(head: RequestHead) -> int | None:
    value = head.header(b"upload-offset")
    if value is not None and value.isdigit():
        return int(value)
    return None
