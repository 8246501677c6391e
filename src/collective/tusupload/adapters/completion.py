"""What the WSGI hosts (the filter, the ``Tus`` class) note when an upload completes."""

from __future__ import annotations

from collective.tusupload.core.finish import Finish
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from typing import Any


class Completion:
    """What one request completed; passed to the core as the request ``context``.

    :ivar host: the host's own request object.
    :ivar upload: the upload this request completed (None if none).
    :ivar finish: its finish, while the host holds it open (see
        :class:`NoteCompletion`'s ``defer``).
    """

    def __init__(self, host: Any = None) -> None:
        self.host = host
        self.upload: UploadInfo | None = None
        self.finish: Finish | None = None


class NoteCompletion(Hooks):
    """Hooks that note the completed upload on the request's :class:`Completion`.

    Partial uploads (concatenation) are not noted: only the final upload
    made of them is a file the host wants.

    :param defer: hold the finish open (the upload stays locked and
        unacknowledged) until the host calls ``completion.finish.commit()``
        or ``abort()``; otherwise the core records it finished at once,
        keeping its data.
    """

    def __init__(self, *, defer: bool = False) -> None:
        self.defer = defer

    def after_finish(self, request: TusRequest, info: UploadInfo, finish: Finish):
        completion = request.context
        if isinstance(completion, Completion):
            completion.upload = info
            if self.defer:
                finish.defer()
                completion.finish = finish
        return None
