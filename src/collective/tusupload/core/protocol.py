"""The handler a host calls: one engine, the wire layers that speak over it.

A host adapter builds a :class:`~.request.TusRequest`, calls
:meth:`Handler.handle` and sends the returned
:class:`~.request.TusResponse`. The handler picks the wire layer by the
request's headers: tus 1.0 (``Tus-Resumable``, and anything else) or the
IETF draft (``Upload-Draft-Interop-Version``). Both talk to the same
:class:`~.engine.Engine`, so an upload, its owner, its finish and its
expiry behave the same whichever protocol a client speaks.

Building a handler composes it: store and locker (:mod:`.compose`), the
engine with the host's hooks, then the wire layers.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.compose import compose
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.ietf.handler import IetfHandler
from collective.tusupload.core.ietf.problems import problem_response
from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.store import Store
from collective.tusupload.core.tus.checksum import SUPPORTED_ALGORITHMS
from collective.tusupload.core.tus.handler import TUS_VERSION
from collective.tusupload.core.tus.handler import TusHandler
from collective.tusupload.core.tus.headers import DEFAULT_MAX_HEADER_LENGTH

import time


__all__ = ["TUS_VERSION", "Handler", "Hooks", "TusRequest", "TusResponse"]


class Handler:
    """The upload server: tus 1.0.0 (and the IETF draft) over one engine.

    :param store: where uploads live.
    :param max_size: largest accepted upload in bytes; None = no limit.
    :param expiry: seconds an unfinished upload lives; None = forever.
    :param hooks: host policy; defaults to no-op :class:`~.hooks.Hooks`.
    :param locker: per-upload locks; by default the one
        :func:`~.compose.default_locker` pairs with ``store``.
    :param checksum_algorithms: algorithms accepted in ``Upload-Checksum``.
    :param block_size: largest read from a request body, in bytes.
    :param clock: returns the current time in seconds since the epoch.
    :param max_header_length: longest accepted tus header value.
    :param allow_anonymous: let a request without principal create uploads.
    :param lock_timeout: seconds to wait for a busy upload before 423.
    :param max_append_size: largest body of one request of the IETF draft
        (advertised as ``Upload-Limit: max-append-size``); None = no limit.
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
        block_size: int = 1 << 20,
        clock: Callable[[], float] = time.time,
        max_header_length: int = DEFAULT_MAX_HEADER_LENGTH,
        allow_anonymous: bool = False,
        lock_timeout: float = 0.5,
        max_append_size: int | None = None,
    ) -> None:
        backend = compose(store, locker)
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
        self.tus = TusHandler(
            self.engine,
            checksum_algorithms=checksum_algorithms,
            max_header_length=max_header_length,
        )
        self.ietf = IetfHandler(self.engine, max_append_size=max_append_size)

    # -- what the engine holds ------------------------------------------------

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def locker(self) -> Locker:
        return self.engine.locker

    @property
    def hooks(self) -> Hooks:
        return self.engine.hooks

    @property
    def expiry(self) -> float | None:
        return self.engine.expiry

    @property
    def max_size(self) -> int | None:
        return self.engine.max_size

    @property
    def clock(self) -> Callable[[], float]:
        return self.engine.clock

    @property
    def extensions(self) -> list[str]:
        """What ``Tus-Extension`` advertises, from the store's capabilities."""
        return self.tus.extensions

    # -- requests -------------------------------------------------------------

    def wire_for(self, request: TusRequest) -> TusHandler | IetfHandler:
        """The wire layer that speaks the request's protocol.

        The IETF draft's requests carry ``Upload-Draft-Interop-Version``;
        everything else is answered as tus 1.0 (which refuses what is not).
        """
        if request.header(INTEROP_HEADER) is not None:
            return self.ietf
        return self.tus

    def handle(self, request: TusRequest) -> TusResponse:
        """Answer ``request`` in the protocol it speaks."""
        return self.wire_for(request).handle(request)

    def error_reply(self, request: TusRequest, error: errors.TusError) -> TusResponse:
        """The reply to ``error`` in the protocol ``request`` speaks."""
        wire = self.wire_for(request)
        if wire is self.ietf:
            return problem_response(error)
        response = self.tus._error_response(error)
        response.headers["Tus-Resumable"] = TUS_VERSION
        return response

    def options(self, request: TusRequest) -> TusResponse:
        """tus OPTIONS (for hosts that route verbs themselves)."""
        return self.tus.options(request)

    def head(self, request: TusRequest) -> TusResponse:
        """tus HEAD."""
        return self.tus.head(request)

    def post(self, request: TusRequest) -> TusResponse:
        """tus POST."""
        return self.tus.post(request)

    def patch(self, request: TusRequest) -> TusResponse:
        """tus PATCH."""
        return self.tus.patch(request)

    def delete(self, request: TusRequest) -> TusResponse:
        """tus DELETE."""
        return self.tus.delete(request)

    def discard(self, upload_id: str) -> int:
        """Remove an upload for the host (e.g. after moving its data away).

        :returns: bytes freed. :raises errors.Locked: if busy.
        """
        return self.engine.discard(upload_id)
