"""What the adapters do when an upload completes: hand it on, then record it."""

from __future__ import annotations

from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from typing import Any


class FinishState:
    """Per-request record, passed to the core as the request ``context``.

    :attr:`finished` is the :class:`UploadInfo` of the upload this request
    completed (``None`` if it completed none); :attr:`finishing` is its
    finish in progress when the hooks deferred it.
    """

    def __init__(self, host: Any = None) -> None:
        self.host = host
        self.finished: UploadInfo | None = None
        self.finishing: Finishing | None = None


class RecordFinish(Hooks):
    """Hooks that note the completed upload on the request's :class:`FinishState`.

    Partial uploads (concatenation) are not handed on: only the final upload
    made of them is a file the host wants.

    :param defer: keep the upload locked and unacknowledged until the host
        calls ``state.finishing.commit()`` (or ``abort()``); otherwise the
        core records it finished at once, keeping its data.
    """

    def __init__(self, *, defer: bool = False) -> None:
        self.defer = defer

    def after_finish(self, request, info: UploadInfo, finishing: Finishing):
        state = request.context
        if isinstance(state, FinishState):
            state.finished = info
            if self.defer:
                finishing.defer()
                state.finishing = finishing
        return None
