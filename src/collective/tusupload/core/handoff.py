"""Appends whose body the server receives itself, after the host said yes.

A server that holds one thread per request body (gunicorn, Zope's own
threads) is taken down by a few clients that send slowly: each holds a
worker, and a ZODB connection, for as long as its body takes. The front
server (:mod:`collective.tusupload.deploy.front`) instead receives upload
bodies outside the host's threads. It still asks the host, fresh for every
request, whether the request may append, much as nginx's ``auth_request``
does. An append through the front runs in up to three phases:

1. **begin**, in a host thread: the host handles the request as usual
   (authentication, the upload's owner and folder, permissions, offset,
   limits), but its body is a :class:`HandoffBody`. The first read of that
   body raises :class:`BodyHandoff` before a byte is stored; the host
   catches it (:func:`handle`) and gives the server a :class:`Permit`: a
   handler over the same store whose hooks only receive
   (:class:`ReceiveHooks`).
2. **receive**, in a thread of the server's own (no host thread, no ZODB
   connection): the server runs the same request through the permit's
   handler with the real body (:meth:`Permit.receive`). Every check of the
   engine runs again under the upload's lock. A long body is authorised
   again at intervals (:meth:`Permit.recheck`); a refusal cuts it and keeps
   what arrived before.
3. **finish**, in a host thread, only when the body completed the upload
   (or replayed its last chunk): ``complete means the content exists``, so
   the permit's hooks stop at the finish and leave the upload ``finishing``
   with its last chunk stored. The server sends the same request to the
   host again, with an empty body; the engine finds the chunk stored
   (:func:`~.transfer.body_of_retry`) and the host finishes it as it
   finishes any upload, or answers the replay with its content.

A host that does not know this module never sees a :class:`Handoff`
offer it can't honour: the server then gives it the body as a stream.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import BinaryIO
from typing import TYPE_CHECKING

import threading
import time


if TYPE_CHECKING:
    from collective.tusupload.core.protocol import Handler


#: The WSGI environ key under which the front server offers a hand-off.
ENVIRON_KEY = "collective.tusupload.handoff"

#: What the server asks of the host in each phase (see the module's docstring).
BEGIN = "begin"
RECHECK = "recheck"


class BodyHandoff(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the first read of a :class:`HandoffBody`; nothing was stored."""


class HandoffBody:
    """The body a host handles in the ``begin`` phase: never read, only handed on."""

    def read(self, size: int = -1) -> bytes:
        raise BodyHandoff()

    readline = read

    def readable(self) -> bool:
        return True


class FinishInHost(HookRefused):
    """The receiving phase reached the finish: the host takes it from here."""

    def __init__(self) -> None:
        super().__init__(503, "the upload is finished by the site")


class ReceiveHooks(Hooks):
    """Hooks of the ``receive`` phase: append, and stop where the host must act.

    The ``begin`` phase ran the host's own hooks for this very request; the
    engine still checks the upload's owner (the request's principal is the
    one the host authenticated) and everything of the protocol.
    """

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        # Final uploads are assembled and finished by the host (phase 3),
        # never while a partial's body is received.
        return not info.is_final

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        raise HookRefused(405, "uploads are created by the site")

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        raise HookRefused(405, "uploads are ended by the site")

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> None:
        raise FinishInHost()


@dataclass
class Received:
    """How the ``receive`` phase ended.

    :ivar reply: the reply to send, unless the host finishes.
    :ivar needs_host: the upload completed: send the request to the host
        again (phase 3) and send its reply instead.
    :ivar upload: the upload as stored afterwards (None if it vanished).
    """

    reply: TusResponse
    needs_host: bool
    upload: UploadInfo | None


@dataclass
class Permit:
    """The host's yes to one append, for the server to carry out.

    :ivar handler: a handler over the host's store with :class:`ReceiveHooks`.
    :ivar request: the request as the host understood it (method, headers,
        upload, principal); its body is replaced in :meth:`receive`.
    :ivar shape: turns a reply into the host's form (e.g. JSON errors).
    :ivar granted_at: when the host last said yes (monotonic seconds).
    """

    handler: Handler
    request: TusRequest
    shape: Callable[[TusResponse], TusResponse] | None = None
    granted_at: float = field(default_factory=time.monotonic)

    @property
    def upload_id(self) -> str | None:
        return self.request.upload_id

    @property
    def principal(self) -> str | None:
        return self.request.principal

    def receive(self, body: BinaryIO, content_length: int | None) -> Received:
        """Run the append with its real body; see the module's docstring."""
        request = replace(self.request, body=body, content_length=content_length)
        reply = self.handler.handle(request)
        upload = self._stored()
        needs_host = upload is not None and _host_answers(upload)
        if self.shape is not None:
            reply = self.shape(reply)
        return Received(reply=reply, needs_host=needs_host, upload=upload)

    def _stored(self) -> UploadInfo | None:
        if self.upload_id is None:
            return None
        try:
            return self.handler.engine.store.get_info(self.upload_id)
        except (errors.TusError, OSError):
            return None


def _host_answers(upload: UploadInfo) -> bool:
    """Whether the host must answer after the receiving phase (phase 3).

    It must when the upload is to be finished, when it was finished before
    (a replay of the last chunk: the reply names the host's content), and
    when a completed partial has final uploads to assemble.
    """
    if upload.is_partial:
        return upload.finished and bool(upload.final_ids)
    return upload.finishing or upload.finished


class Handoff:
    """The front server's offer to the host, one per request (``environ[ENVIRON_KEY]``).

    :param phase: :data:`BEGIN` (take the body over) or :data:`RECHECK`
        (say again whether the append may go on).
    """

    def __init__(self, phase: str = BEGIN) -> None:
        self.phase = phase
        self.permit: Permit | None = None
        self.renewed = False
        self._lock = threading.Lock()

    def grant(self, permit: Permit) -> None:
        """The host lets the server receive the body (phase ``begin``)."""
        with self._lock:
            self.permit = permit

    def renew(self) -> None:
        """The host says the append may go on (phase ``recheck``)."""
        with self._lock:
            self.renewed = True


def handle(
    handler: Handler,
    request: TusRequest,
    handoff: Handoff | None,
    *,
    receiver: Callable[[], Handler],
    shape: Callable[[TusResponse], TusResponse] | None = None,
) -> TusResponse | None:
    """Answer ``request``, or hand its body to the front server.

    The host calls this instead of ``handler.handle`` when its environ
    carries a :class:`Handoff`.

    :param receiver: makes the handler of the ``receive`` phase (same store,
        limits and locker as ``handler``, :class:`ReceiveHooks`).
    :returns: the reply, or None when the server was given a :class:`Permit`
        (the host's reply is then not sent; nothing was stored).
    """
    if handoff is None:
        return handler.handle(request)
    if handoff.phase == RECHECK:
        return recheck(handler, request, handoff)
    try:
        return handler.handle(replace(request, body=HandoffBody()))
    except BodyHandoff:
        handoff.grant(Permit(handler=receiver(), request=request, shape=shape))
        return None


def recheck(handler: Handler, request: TusRequest, handoff: Handoff) -> TusResponse:
    """Say again whether ``request`` may append; changes nothing.

    Runs what an append checks before it takes the upload's lock (which the
    receiving phase holds): the upload's owner and the host's
    :meth:`~.hooks.Hooks.may_access` and :meth:`~.hooks.Hooks.before_append`.
    """
    try:
        if request.upload_id is None:
            raise errors.NotFound()
        info = handler.engine.load(request, request.upload_id)
        handler.engine.hooks.before_append(request, info)
    except errors.TusError as error:
        return handler.error_reply(request, error)
    handoff.renew()
    return TusResponse(status=204)
