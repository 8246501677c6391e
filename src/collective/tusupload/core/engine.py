"""The upload engine: what every protocol does to an upload, and nothing of the wire.

A wire layer (:mod:`.tus`, :mod:`.ietf`) parses its headers into plain
values and calls the engine; the engine takes the upload's lock, loads the
upload once, talks to the store, calls the host's hooks and returns the
upload as it now is (:class:`~.info.UploadInfo`), which the wire layer turns
into a reply. Refusals leave as :class:`~.errors.TusError` subclasses, which
each wire layer turns into its own kind of reply.

The operations:

- :meth:`Engine.create` a new upload (optionally with its first bytes);
- :meth:`Engine.append` bytes at an offset, optionally saying "this is the
  end"; reaching the declared length completes an upload too;
- :meth:`Engine.retrieve_offset`, the offset query (pure: it changes nothing);
- :meth:`Engine.terminate` for a client's cancellation;
- :meth:`Engine.remove`, the one removal (see :mod:`.removal`).

What happens once all bytes are stored, and what a repeated last request
gets, is the :class:`~.finish.Finisher`'s: see :mod:`.finish`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors
from collective.tusupload.core import transfer
from collective.tusupload.core.finish import Append
from collective.tusupload.core.finish import decide_append
from collective.tusupload.core.finish import Finisher
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.core.info import total_length
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.joins import placement_of
from collective.tusupload.core.limits import Limits
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.removal import REMOVE_TIMEOUT
from collective.tusupload.core.removal import remove_upload
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.sizes import BLOCK_SIZE
from collective.tusupload.core.store import SharedPartials
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import Termination
from collective.tusupload.core.transfer import Body
from collective.tusupload.core.transfer import Checkpoints
from collective.tusupload.core.transfer import ExpectedDigest
from dataclasses import replace

import contextlib
import time


class Engine:
    """Protocol-neutral operations on the uploads of one store.

    :param store: where uploads live.
    :param locker: per-upload locks (composed with the store, see
        :mod:`.compose`).
    :param hooks: host policy; defaults to no-op :class:`~.hooks.Hooks`.
    :param max_size: largest accepted upload in bytes; None = no limit.
    :param expiry: seconds an unfinished upload lives; None = forever.
    :param clock: returns the current time in seconds since the epoch.
    :param block_size: largest read from a request body, in bytes.
    :param lock_timeout: seconds to wait for a busy upload before 423.
    :param allow_anonymous: let a request without principal create uploads.
    :param checkpoint_bytes: during a long append, record progress at least
        every this many bytes (see :class:`~.transfer.Checkpoints`) ...
    :param checkpoint_seconds: ... or every this many seconds.
    """

    def __init__(
        self,
        store: Store,
        locker: Locker,
        *,
        hooks: Hooks | None = None,
        max_size: int | None = None,
        expiry: float | None = 86400.0,
        clock: Callable[[], float] = time.time,
        block_size: int = BLOCK_SIZE,
        lock_timeout: float = 0.5,
        allow_anonymous: bool = False,
        checkpoint_bytes: int = 64 << 20,
        checkpoint_seconds: float = 2.0,
    ) -> None:
        if block_size < 1:
            raise ValueError("block_size must be positive")
        self.store = store
        self.locker = locker
        self.hooks = hooks if hooks is not None else Hooks()
        self.max_size = max_size
        self.limits = Limits(max_size)
        self.expiry = expiry
        self.clock = clock
        self.block_size = block_size
        self.lock_timeout = lock_timeout
        self.allow_anonymous = allow_anonymous
        self.checkpoint_bytes = checkpoint_bytes
        self.checkpoint_seconds = checkpoint_seconds
        self.finisher = Finisher(
            store,
            locker,
            self.hooks,
            expiry=expiry,
            clock=clock,
            lock_timeout=lock_timeout,
        )

    # -- queries --------------------------------------------------------------

    def load(self, request: TusRequest, upload_id: str) -> UploadInfo:
        """The upload if the requester may see it.

        :raises errors.NotFound: unknown, malformed id, or someone else's.
        :raises errors.Gone: expired.
        """
        info = self.store.get_info(check_upload_id(upload_id))
        if info.principal != request.principal or not self.hooks.may_access(
            request, info
        ):
            raise errors.NotFound()
        if info.is_expired(self.clock()):
            raise errors.Gone()
        return info

    def retrieve_offset(self, request: TusRequest, upload_id: str) -> UploadInfo:
        """The upload as an offset query (HEAD) reports it; changes nothing.

        A ``FINISHING`` upload the host took already (a crash came before
        the record) reads as finished.
        """
        info = self.load(request, upload_id)
        return self.finisher.recover(request, info, lease=None)

    # -- creation -------------------------------------------------------------

    def check_may_create(self, request: TusRequest) -> None:
        """Refuse anonymous creation unless allowed (403)."""
        if request.principal is None and not self.allow_anonymous:
            raise errors.Forbidden("anonymous uploads are not allowed")

    def new_upload(
        self,
        request: TusRequest,
        *,
        length: int | None,
        metadata: dict[str, str | None],
        is_partial: bool = False,
    ) -> UploadInfo:
        """Describe a new upload (not stored yet); 413 over the maximum."""
        self.limits.check_length(length)
        now = self.clock()
        info = UploadInfo(
            id=new_upload_id(),
            length=length,
            metadata=metadata,
            created=now,
            expires=now + self.expiry if self.expiry is not None else None,
            principal=request.principal,
            is_partial=is_partial,
        )
        if is_partial and isinstance(self.store, SharedPartials):
            placement = placement_of(
                metadata, length, request.principal, max_size=self.limits.max_size
            )
            if placement is not None:
                info.join_group = placement.group
                info.join_offset = placement.offset
        return info

    def new_final(
        self,
        request: TusRequest,
        partials: list[UploadInfo],
        metadata: dict[str, str | None],
    ) -> UploadInfo:
        """Describe a final upload made of ``partials`` (concatenation)."""
        info = self.new_upload(
            request, length=total_length(partials), metadata=metadata
        )
        info.is_final = True
        info.partial_ids = [partial.id for partial in partials]
        return info

    def create(
        self,
        request: TusRequest,
        info: UploadInfo,
        *,
        body: Body | None = None,
        digests: list[ExpectedDigest] | None = None,
        complete: bool = False,
        max_append: int | None = None,
    ) -> UploadInfo:
        """Store a new upload, then its first bytes; finish it if complete.

        :param body: the first chunk, if the request carries one.
        :param complete: the request says its body ends the upload.
        :raises errors.TusError: refused; an error after the upload was
            stored carries its ``upload_id``.
        """
        if body is not None:
            self.limits.check_body(info, body.length, max_append)
        self.hooks.before_create(request, info)
        info = self.store.create(info)
        try:
            if info.is_final:
                self.finisher.link_partials(info)
            with self.locked(info.id) as lease:
                if body is not None:
                    info = self._write(
                        request, info, lease, body, digests or [], complete, max_append
                    )
                elif info.is_final:
                    info = self.finisher.assemble(request, info, lease)
                elif info.is_complete:
                    info = self.finisher.complete(request, info, lease, acknowledged=0)
        except errors.InsufficientStorage:
            # The first chunk did not fit: keep no empty upload behind.
            self.remove(info.id, with_partials=False)
            raise
        except errors.TusError as error:
            error.upload_id = info.id
            raise
        return info

    # -- appending ------------------------------------------------------------

    def append(
        self,
        request: TusRequest,
        upload_id: str,
        *,
        offset: int,
        body: Body,
        length: int | None = None,
        complete: bool = False,
        digests: list[ExpectedDigest] | None = None,
        max_append: int | None = None,
    ) -> UploadInfo:
        """Append ``body`` at ``offset``; the upload completes at its length.

        Takes the upload's lock first, then loads it once. An append that
        repeats the end of a finished upload gets the finished upload again
        (see :func:`~.finish.decide_append`); nothing is finished twice.

        :param length: the upload's length, if the request says it (a
            deferred length is set once; another value is refused).
        :param complete: the request says its body ends the upload.
        :raises errors.OffsetMismatch: ``offset`` is not the upload's.
        """
        with self.locked(upload_id) as lease:
            info = self.load(request, upload_id)
            if info.is_final:
                raise errors.Forbidden("a final upload can't be patched")
            info = self.finisher.recover(request, info, lease)
            if decide_append(info, offset, body.length) is Append.REPLAY:
                transfer.drain(body, self.block_size)
                if info.is_partial:
                    self.finisher.assemble_finals(request, info)
                return info
            self.hooks.before_append(request, info)
            self.limits.set_length(info, length)
            self.limits.check_body(info, body.length, max_append)
            body = transfer.body_of_retry(self.store, info, offset, body)
            if body is None:
                info.offset = info.length
                return self.finisher.complete(request, info, lease, acknowledged=offset)
            return self._write(
                request, info, lease, body, digests or [], complete, max_append
            )

    def _write(
        self,
        request: TusRequest,
        info: UploadInfo,
        lease: Lease,
        body: Body,
        digests: list[ExpectedDigest],
        complete: bool,
        max_append: int | None,
    ) -> UploadInfo:
        """Store the chunk at ``info.offset``; finish the upload if it completed.

        Call with the lock held and ``info`` loaded under it. Every refusal of
        the chunk leaves the upload as it was.
        """
        old_offset = info.offset
        before = replace(info)
        checkpoints = Checkpoints(
            lambda count: self._record(info, old_offset + count),
            every_bytes=self.checkpoint_bytes,
            every_seconds=self.checkpoint_seconds,
        )
        try:
            self._store_chunk(info, body, digests, complete, max_append, checkpoints)
        except errors.TusError:
            if checkpoints.count:
                # Progress recorded during the body goes with the refused chunk.
                self.store.update_info(before)
            raise
        if info.is_complete:
            return self.finisher.complete(request, info, lease, acknowledged=old_offset)
        self.hooks.after_append(request, info)
        self.store.update_info(info)
        return info

    def _store_chunk(
        self,
        info: UploadInfo,
        body: Body,
        digests: list[ExpectedDigest],
        complete: bool,
        max_append: int | None,
        checkpoints: Checkpoints,
    ) -> None:
        """Append the chunk and advance ``info`` (in memory); refused: cut off again."""
        old_offset = info.offset
        written = transfer.write_chunk(
            self.store,
            info.id,
            old_offset,
            body,
            room=self.limits.room_for_body(info, max_append),
            digests=digests,
            block_size=self.block_size,
            checkpoints=checkpoints,
        )
        info.offset = old_offset + written.count
        if complete and written.complete:
            if info.length is None:
                info.length = info.offset
            elif info.offset != info.length:
                self.store.truncate(info.id, old_offset)
                raise errors.InconsistentLength(
                    f"the upload's length is {info.length}, "
                    f"but this request ends it at {info.offset}"
                )
        if self.expiry is not None:
            # Expiry counts from the last successful append (or the creation).
            info.expires = self.clock() + self.expiry
        if info.is_complete:
            transfer.verify_repr_digests(
                self.store, info, old_offset, block_size=self.block_size
            )

    def _record(self, info: UploadInfo, offset: int) -> None:
        """A checkpoint: the bytes up to ``offset`` are durable; record them.

        Never the upload's last byte: an upload is complete only once it is
        finished (see :mod:`.finish`).
        """
        if info.length is not None and offset >= info.length:
            return
        self.store.sync_data(info.id)
        progress = replace(info, offset=offset)
        if self.expiry is not None:
            progress.expires = self.clock() + self.expiry
        self.store.update_info(progress)

    # -- termination and removal ----------------------------------------------

    def terminate(self, request: TusRequest, upload_id: str) -> None:
        """A client cancels its upload: the host may refuse, then it is removed."""
        if not isinstance(self.store, Termination):
            raise errors.MethodNotAllowed("termination is not supported")
        with self.locked(upload_id) as lease:
            info = self.load(request, upload_id)
            self.hooks.before_terminate(request, info)
            self.remove(info.id, with_partials=False, lease=lease)

    def remove(
        self,
        upload_id: str,
        *,
        with_partials: bool = True,
        lease: Lease | None = None,
        timeout: float = REMOVE_TIMEOUT,
    ) -> int:
        """Remove an upload (and the partials it was made of) under its lock.

        :returns: the bytes freed.
        """
        return remove_upload(
            self.store,
            self.locker,
            upload_id,
            with_partials=with_partials,
            lease=lease,
            timeout=timeout,
        )

    def discard(self, upload_id: str) -> int:
        """Remove an upload for the host, unless it is busy right now.

        :returns: bytes freed. :raises errors.Locked: if busy.
        """
        with self.locked(upload_id) as lease:
            return self.remove(upload_id, lease=lease)

    # -- locking --------------------------------------------------------------

    @contextlib.contextmanager
    def locked(
        self, upload_id: str, *, timeout: float | None = None
    ) -> Iterator[Lease]:
        """Hold the upload's lock; drop the lock if the upload does not exist.

        The lock comes first, before the upload is loaded (as tusd does):
        what is loaded under it stays true until it is released.

        :raises errors.NotFound: for a malformed id, before any lock is taken.
        """
        check_upload_id(upload_id)
        wait = self.lock_timeout if timeout is None else timeout
        with self.locker.lock(upload_id, timeout=wait) as lease:
            try:
                yield lease
            except errors.NotFound:
                if upload_id not in self.store.list_ids():
                    self.locker.forget(upload_id)
                raise
