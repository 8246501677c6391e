"""The host's say in an upload's life: :class:`Hooks`, called by the engine.

The same hooks run whichever protocol a client speaks. Per-request state of
the host (its context object, its request) reaches them as
``request.context``.
"""

from __future__ import annotations

from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from typing import Any


class Hooks:
    """Lifecycle hooks; the defaults do nothing. Hosts subclass this."""

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        """Called after validation and before any data byte is accepted.

        May raise :class:`~.errors.HookRefused` (e.g. 403, 413, 415) or change
        ``info.extra``/``info.metadata`` before the upload is stored.
        """

    def before_append(self, request: TusRequest, info: UploadInfo) -> None:
        """Called before every append is stored (and when a long one is
        authorised again), with the upload loaded.

        May raise :class:`~.errors.HookRefused` (e.g. 403 when the requester
        may no longer add content where the upload goes); the upload is then
        left as it was.
        """

    def after_append(self, request: TusRequest, info: UploadInfo) -> None:
        """Called after an append that did not complete the upload.

        May change ``info.extra`` (it is stored right after).
        """

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> dict[str, Any] | None:
        """Take over an upload (not a partial one) whose bytes are all stored.

        Runs once per upload unless it fails: raising (e.g.
        :class:`~.errors.HookRefused`) leaves the upload unacknowledged, and
        the client's retry of its last chunk calls this again.

        :param finishing: the finish in progress. By default the engine
            commits it (keeping the data) when this returns. A host whose work
            ends later calls ``finishing.defer()`` and then, once its work is
            durable, ``finishing.commit(...)``, or ``finishing.abort()``.
        :returns: what the upload became, e.g. ``{"url": ...}``: kept in the
            finished record, the ``url`` is sent as ``Content-Location``.
        """
        return None

    def find_finished(
        self, request: TusRequest, info: UploadInfo
    ) -> dict[str, Any] | None:
        """For a ``finishing`` upload: did the host take it already?

        A host that records its outcome durably returns it here (what
        :meth:`after_finish` returned), else None. Called when a crash may
        have come between the host's commit and the engine's record.
        """
        return None

    def finished_reply(
        self, request: TusRequest, info: UploadInfo, response: TusResponse
    ) -> TusResponse:
        """Adjust the reply about a finished upload (final chunk, replay, HEAD)."""
        return response

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        """Called before a DELETE removes an upload; may raise HookRefused."""

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        """Extra ownership check beyond the principal (e.g. the container).

        Returning False makes the upload look unknown (404).
        """
        return True
