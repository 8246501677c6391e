"""Finishing an upload exactly once.

When the last byte of an upload is stored, the host (Plone, a WSGI app)
turns it into something of its own: content, a moved file. That work may end
after the request does (a Zope transaction commits after the view returned;
a WSGI app's reply is closed after it was sent), and it may fail or never
end (a refusal, a crash). So an upload is reported complete only once the
host says it has taken it:

1. The engine stores the last chunk, records ``finishing`` but leaves the
   offset where that chunk began, and hands the host a :class:`Finishing`
   that holds the upload's lock.
2. The host calls :meth:`Finishing.commit` once its work is durable: the
   upload becomes ``finished`` with ``offset == length``, its data goes and a
   small record stays until it expires, answering HEAD and replays. Or it
   calls :meth:`Finishing.abort`: nothing is acknowledged, and the client
   sends its last chunk again.

A host that records its outcome durably (Plone keeps the upload's content
UID) also answers :meth:`~.hooks.Hooks.find_finished`, which closes the
window between its commit and step 2: a crash there leaves a ``finishing``
upload whose content already exists, and a retry answers with that content.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.removal import remove_upload
from collective.tusupload.core.store import Store
from typing import Any


class Finishing:
    """A finish in progress; holds the upload's lock until commit or abort.

    :param store: the upload's store.
    :param locker: the store's locker (to remove partial uploads).
    :param lease: the upload's lock, held by the handler.
    :param info: the upload, complete.
    :param expiry: seconds the finished record stays; None = forever.
    :param clock: returns the current time.
    """

    def __init__(
        self,
        store: Store,
        locker: Locker,
        lease: Lease,
        info: UploadInfo,
        *,
        expiry: float | None,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.locker = locker
        self.lease = lease
        self.info = info
        self.expiry = expiry
        self.clock = clock
        self.deferred = False
        self.ended = False

    @property
    def upload_id(self) -> str:
        return self.info.id

    def defer(self) -> None:
        """Keep the lock after the request; the host commits or aborts later."""
        self.deferred = True
        self.lease.keep()

    def commit(
        self, content: dict[str, Any] | None = None, *, keep_data: bool = False
    ) -> UploadInfo:
        """Record that the host has taken the upload, then release the lock.

        :param content: what the host made of it (kept for replays), e.g.
            ``{"url": ...}``.
        :param keep_data: leave the data file in place (for hosts that read
            it later); otherwise it is removed, with the partial uploads of
            a final upload.
        :returns: the finished upload's record.
        """
        try:
            info = self.store.get_info(self.upload_id)
            info.offset = info.length if info.length is not None else info.offset
            info.finishing = False
            info.finished = True
            info.content = dict(content or {})
            if self.expiry is not None:
                # The record answers lost replies for one more expiry period.
                info.expires = self.clock() + self.expiry
            self.store.update_info(info)
            if not keep_data:
                self.store.remove_data(info.id)
                for partial_id in info.partial_ids:
                    remove_upload(
                        self.store, self.locker, partial_id, with_partials=False
                    )
            self.info = info
            return info
        finally:
            self._end()

    def abort(self) -> None:
        """The host did not take the upload: release the lock, acknowledge nothing."""
        self._end()

    def _end(self) -> None:
        self.ended = True
        self.lease.release()
