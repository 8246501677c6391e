"""Completing uploads: the host's finish, exactly once, and final uploads.

The engine calls :class:`Finisher` once an upload's bytes are all stored.
A partial upload is simply done; a final upload is joined from its partials
by the store (:meth:`~.store.Store.concatenate`) on the request that
completes the last of them; any other upload is handed to the host's
:meth:`~.hooks.Hooks.after_finish` with a :class:`~.finishing.Finishing`
that holds its lock until the host commits or aborts.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import as_finished
from collective.tusupload.core.info import total_length
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.store import Store
from dataclasses import replace
from typing import Protocol

import contextlib
import logging


logger = logging.getLogger("collective.tusupload")


class UploadAccess(Protocol):
    """What a :class:`Finisher` needs of the engine it works for."""

    store: Store
    locker: Locker
    hooks: Hooks
    expiry: float | None
    clock: Callable[[], float]

    def load(self, request: TusRequest, upload_id: str) -> UploadInfo: ...

    def locked(
        self, upload_id: str, *, timeout: float | None = None
    ) -> contextlib.AbstractContextManager[Lease]: ...


class Finisher:
    """Completes the uploads of one engine."""

    def __init__(self, engine: UploadAccess) -> None:
        self.engine = engine

    def link_partials(self, final: UploadInfo) -> None:
        """Note the final upload on its partials, so the last one to complete
        assembles it (concatenation-unfinished)."""
        for partial_id in final.partial_ids:
            with self.engine.locked(partial_id):
                partial = self.engine.store.get_info(partial_id)
                if final.id not in partial.final_ids:
                    partial.final_ids.append(final.id)
                    self.engine.store.update_info(partial)

    def found_finished(
        self, request: TusRequest, info: UploadInfo, lease: Lease
    ) -> UploadInfo:
        """Record the finish of a ``finishing`` upload the host took already."""
        if not info.finishing or info.finished:
            return info
        content = self.engine.hooks.find_finished(request, info)
        if content is None:
            return info
        return self._finishing(info, lease).commit(content)

    # -- concatenation --------------------------------------------------------

    def assemble(
        self, request: TusRequest, info: UploadInfo, lease: Lease
    ) -> UploadInfo:
        """Join complete partials into a final upload and finish it; lock held."""
        info = self.found_finished(request, info, lease)
        if info.finished:
            return info
        partials = [
            self.engine.store.get_info(partial_id) for partial_id in info.partial_ids
        ]
        if not all(partial.is_complete for partial in partials):
            return info
        length = total_length(partials)
        written = self.engine.store.concatenate(info.id, partials)
        if written != length:
            self.engine.store.truncate(info.id, 0)
            return info
        info.length = length
        info.offset = written
        return self.complete(request, info, lease, acknowledged=0)

    def assemble_finals(self, request: TusRequest, partial: UploadInfo) -> None:
        """Assemble the final uploads waiting for ``partial`` (now complete).

        A final that is busy is being assembled by the request that completed
        another of its partials. A refusal of its finish does not fail this
        request: the partial itself was stored.
        """
        for final_id in partial.final_ids:
            try:
                with self.engine.locked(final_id) as lease:
                    final = self.engine.load(request, final_id)
                    self.assemble(request, final, lease)
            except (errors.Locked, errors.NotFound, errors.Gone):
                continue
            except errors.TusError as error:
                logger.warning(
                    "final upload %s was not finished: %s", final_id, error.message
                )

    # -- finishing ------------------------------------------------------------

    def complete(
        self,
        request: TusRequest,
        info: UploadInfo,
        lease: Lease,
        *,
        acknowledged: int | None = None,
    ) -> UploadInfo:
        """Finish a complete upload; with its lock held.

        A partial upload is simply done, and the finals waiting for it are
        assembled. Any other upload is handed to the host
        (:meth:`~.hooks.Hooks.after_finish`); until the host commits the
        finish, the stored offset stays at ``acknowledged``, where the last
        chunk began.

        :returns: the upload as the reply describes it.
        """
        if info.is_partial:
            info.finished = True
            self.engine.store.update_info(info)
            self.assemble_finals(request, info)
            return info
        info.finishing = True
        pending = info.offset if acknowledged is None else acknowledged
        self.engine.store.update_info(replace(info, offset=pending))
        finishing = self._finishing(info, lease)
        content = self.engine.hooks.after_finish(request, info, finishing)
        if not finishing.deferred:
            return finishing.commit(content, keep_data=True)
        return as_finished(info, content)

    def _finishing(self, info: UploadInfo, lease: Lease) -> Finishing:
        engine = self.engine
        return Finishing(
            engine.store,
            engine.locker,
            lease,
            info,
            expiry=engine.expiry,
            clock=engine.clock,
        )
