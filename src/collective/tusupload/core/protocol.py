"""The handler a host calls: one engine, and the wire layers that speak over it.

A host adapter builds a :class:`~.request.TusRequest`, calls
:meth:`Handler.handle` and sends the returned
:class:`~.request.TusResponse`. The handler picks the wire layer by the
request's headers: the IETF draft when it carries
``Upload-Draft-Interop-Version``, tus 1.0 otherwise (which refuses what is
not tus). Both talk to the same :class:`~.engine.Engine`, so an upload, its
owner, its finish and its expiry behave the same whichever protocol a
client speaks.

Building a handler composes it: store and locker (:mod:`.compose`), the
engine with the host's hooks, then the wire layers. A host with its own
routing calls a wire layer's verbs directly (``handler.tus.patch(...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.compose import compose
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.ietf.layer import IetfLayer
from collective.tusupload.core.ietf.problems import problem_response
from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.sizes import BLOCK_SIZE
from collective.tusupload.core.store import Store
from collective.tusupload.core.tus.checksum import SUPPORTED_ALGORITHMS
from collective.tusupload.core.tus.layer import error_reply as tus_error_reply
from collective.tusupload.core.tus.layer import TusLayer

import time


class Handler:
    """The upload server: tus 1.0.0 and the IETF draft over one engine.

    :param store: where uploads live.
    :param max_size: largest accepted upload in bytes; None = no limit.
    :param expiry: seconds an unfinished upload lives; None = forever.
    :param hooks: host policy; defaults to no-op :class:`~.hooks.Hooks`.
    :param locker: per-upload locks; by default the one
        :func:`~.compose.default_locker` pairs with ``store``.
    :param checksum_algorithms: algorithms accepted in ``Upload-Checksum``.
    :param block_size: largest read from a request body, in bytes.
    :param clock: returns the current time in seconds since the epoch.
    :param allow_anonymous: let a request without principal create uploads.
    :param lock_timeout: seconds to wait for a busy upload before 423.
    :param max_append_size: largest body of one request of the IETF draft
        (advertised as ``Upload-Limit: max-append-size``); None = no limit.

    :ivar store: the store. :ivar locker: its locker.
    :ivar engine: the :class:`~.engine.Engine` both wire layers call.
    :ivar tus: the tus 1.0 layer. :ivar ietf: the IETF draft's layer.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_size: int | None = None,
        expiry: float | None = 86400.0,
        hooks: Hooks | None = None,
        locker: Locker | None = None,
        checksum_algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS,
        block_size: int = BLOCK_SIZE,
        clock: Callable[[], float] = time.time,
        allow_anonymous: bool = False,
        lock_timeout: float = 0.5,
        max_append_size: int | None = None,
    ) -> None:
        backend = compose(store, locker)
        self.store = backend.store
        self.locker = backend.locker
        self.engine = Engine(
            backend.store,
            backend.locker,
            hooks=hooks,
            max_size=max_size,
            expiry=expiry,
            clock=clock,
            block_size=block_size,
            lock_timeout=lock_timeout,
            allow_anonymous=allow_anonymous,
        )
        self.tus = TusLayer(self.engine, checksum_algorithms=checksum_algorithms)
        self.ietf = IetfLayer(self.engine, max_append_size=max_append_size)

    def handle(self, request: TusRequest) -> TusResponse:
        """Answer ``request`` in the protocol it speaks."""
        if INTEROP_HEADER in request.headers:
            return self.ietf.handle(request)
        return self.tus.handle(request)

    def error_reply(self, request: TusRequest, error: errors.TusError) -> TusResponse:
        """The reply to ``error`` in the protocol ``request`` speaks.

        For a host that refuses a request before a wire layer runs it (the
        front server's recheck of a long append, see :mod:`.handoff`).
        """
        if INTEROP_HEADER in request.headers:
            return problem_response(error)
        return tus_error_reply(error)
