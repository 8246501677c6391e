"""What the adapters do when an upload completes: remember it, later remove it."""

from __future__ import annotations

from collective.tusupload.core.errors import TusError
from collective.tusupload.core.protocol import Hooks
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo
from typing import Any

import logging


logger = logging.getLogger("collective.tusupload")


class FinishState:
    """Per-request record, passed to the core as the request ``context``.

    :attr:`finished` is the :class:`UploadInfo` of the upload this request
    completed (``None`` if it completed none).
    """

    def __init__(self, host: Any = None) -> None:
        self.host = host
        self.finished: UploadInfo | None = None


class RecordFinish(Hooks):
    """Hooks that note the completed upload on the request's :class:`FinishState`.

    Partial uploads (concatenation) are not handed on: only the final upload
    made of them is a file the host wants.
    """

    def after_finish(self, request, info: UploadInfo):
        state = request.context
        if isinstance(state, FinishState) and not info.is_partial:
            state.finished = info
        return None


def remove_upload(
    store: Store, upload_id: str, *, locker=None, with_partials: bool = True
) -> None:
    """Remove a finished upload (and the partial uploads it was made of).

    Takes each upload's lock, waiting a little for a request that still
    holds it; an upload that is already gone is skipped.
    """
    if locker is None:
        locker = store.create_locker()
    upload_ids = [upload_id]
    if with_partials:
        try:
            upload_ids.extend(store.get_info(upload_id).partial_ids)
        except TusError:
            return
    for one_id in upload_ids:
        try:
            with locker.lock(one_id, timeout=5.0):
                store.remove(one_id)
                locker.forget(one_id)
        except TusError as error:
            logger.warning("could not remove upload %s: %s", one_id, error.message)
