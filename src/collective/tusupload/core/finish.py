"""An upload's states and their transitions: finishing exactly once.

When the last byte of an upload is stored, the host (Plone, a WSGI app)
turns it into something of its own: content, a moved file. That work may
end after the request does (a Zope transaction commits after the view
returned; a WSGI app's reply is closed after it was sent), and it may fail
or never end (a refusal, a crash). So an upload is reported complete only
once the host says it has taken it. Every upload is in one
:class:`~.info.State`::

    RECEIVING --(last byte stored)------------> FINISHING --(host took it)--> FINISHED
        |                                        |     ^
        |                                        +-----+ (last chunk again, after
        |                                                 a finish that failed)
        +--(last byte of a partial upload)-------------------------------> FINISHED

- ``RECEIVING``: bytes arrive; the offset says how many are stored.
- ``FINISHING``: all bytes are stored and the host's finish has begun, but
  the stored offset still says where the last chunk began. A client whose
  finish failed (crash, refusal) sends that chunk again, which starts the
  finish again.
- ``FINISHED``: the host has taken the upload; offset = length. A small
  record stays, without data, until it expires, so that a client whose
  last reply was lost learns the outcome (a replay gets the same reply).

:data:`TRANSITIONS` is every change of state there is, and :func:`advance`
the only code that makes one. :class:`Finisher` drives them for one store:
it hands a complete upload to the host (:meth:`~.hooks.Hooks.after_finish`)
as a :class:`Finish`, which holds the upload's lock until the host commits
or aborts it; it joins final uploads from their partials; and it decides
what an append to a finished upload is (:func:`decide_append`).

A host that records its outcome durably (Plone keeps the upload's id on its
content) also answers :meth:`~.hooks.Hooks.find_finished`, which closes the
window between its commit and the record here: after a crash there, the
upload is ``FINISHING`` but its content exists, and :meth:`Finisher.recover`
records (or, for a pure HEAD, reports) it finished.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.info import State
from collective.tusupload.core.info import total_length
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.removal import remove_upload
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.store import Concatenation
from collective.tusupload.core.store import Store
from dataclasses import replace
from typing import Any
from typing import Protocol

import enum
import logging


logger = logging.getLogger("collective.tusupload")

#: A key of what a host made of an upload: the host still reads the data
#: later (e.g. a staged file, published later), so it stays until then (a
#: time in seconds since the epoch). :meth:`Finisher.recover` obeys it.
KEEP_DATA_UNTIL = "keep_data_until"


class Event(enum.Enum):
    """What moves an upload from one state to another."""

    #: The last byte of an upload (not a partial one) is stored.
    STORED = "stored"
    #: The last byte of a partial upload (concatenation) is stored.
    PARTIAL_STORED = "partial stored"
    #: The host has taken the upload (or is found to have taken it).
    TAKEN = "taken"


#: (state, event) -> next state. Nothing else changes an upload's state.
TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.RECEIVING, Event.STORED): State.FINISHING,
    (State.RECEIVING, Event.PARTIAL_STORED): State.FINISHED,
    # The client sends its last chunk again after a finish that failed.
    (State.FINISHING, Event.STORED): State.FINISHING,
    (State.FINISHING, Event.TAKEN): State.FINISHED,
}


def advance(info: UploadInfo, event: Event) -> UploadInfo:
    """Move ``info`` (in memory) to the state ``event`` leads to.

    :raises RuntimeError: for a transition :data:`TRANSITIONS` does not
        have (a bug, not a client's doing).
    """
    try:
        info.state = TRANSITIONS[(info.state, event)]
    except KeyError:
        raise RuntimeError(
            f"upload {info.id}: no transition from {info.state.value} on {event.value}"
        ) from None
    return info


class Append(enum.Enum):
    """What an append request does to an upload (see :func:`decide_append`)."""

    #: Write the body at the upload's offset.
    WRITE = "write"
    #: The upload is finished and the request ends where it ends: a client
    #: whose last reply was lost sends its last chunk (or an empty append)
    #: again. Its body is read and dropped; the reply is the finished one.
    REPLAY = "replay"


def decide_append(info: UploadInfo, offset: int, body_length: int | None) -> Append:
    """What an append at ``offset`` with a body of ``body_length`` does.

    tus 1.0: "If the offsets do not match, the Server MUST respond with the
    409 Conflict status without modifying the upload resource."

    :raises errors.OffsetMismatch: ``offset`` is not the upload's (409).
    :raises errors.PastLength: bytes past the end of a finished upload.
    """
    if info.state is not State.FINISHED:
        if offset != info.offset:
            raise errors.OffsetMismatch(expected=info.offset, provided=offset)
        return Append.WRITE
    if _ends_the_upload(info, offset, body_length):
        return Append.REPLAY
    if offset == info.offset:
        raise errors.PastLength()
    raise errors.OffsetMismatch(expected=info.offset, provided=offset, complete=True)


def _ends_the_upload(info: UploadInfo, offset: int, body_length: int | None) -> bool:
    """Whether an append at ``offset`` ends exactly where the upload ends."""
    if info.length is None or offset > info.length:
        return False
    if body_length is None:
        return offset == info.length
    return offset + body_length == info.length


def as_finished(info: UploadInfo, content: dict[str, Any] | None) -> UploadInfo:
    """``info`` as it reads once the host has taken it (a copy; nothing is stored)."""
    return advance(
        replace(
            info,
            offset=info.length if info.length is not None else info.offset,
            content=dict(content or {}),
        ),
        Event.TAKEN,
    )


class Host(Protocol):
    """What the finisher asks of the host; :class:`~.hooks.Hooks` answers it."""

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finish: Finish
    ) -> dict[str, Any] | None:
        """Take over a complete upload (see :meth:`.hooks.Hooks.after_finish`)."""

    def find_finished(
        self, request: TusRequest, info: UploadInfo
    ) -> dict[str, Any] | None:
        """What the host made of it already (see :meth:`.hooks.Hooks.find_finished`)."""


class Finish:
    """One finish in progress, handed to the host; holds the upload's lock.

    By default it ends when :meth:`~.hooks.Hooks.after_finish` returns. A
    host whose work ends later calls :meth:`defer` and then, once its work
    is durable, :meth:`commit`, or :meth:`abort`.

    :ivar info: the complete upload (offset = length).
    """

    def __init__(self, finisher: Finisher, lease: Lease, info: UploadInfo) -> None:
        self.finisher = finisher
        self.lease = lease
        self.info = info
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
        self,
        content: dict[str, Any] | None = None,
        *,
        keep_data: bool = False,
        keep_until: float | None = None,
    ) -> UploadInfo:
        """Record that the host has taken the upload, then release the lock.

        :param content: what the host made of it (kept for replays), e.g.
            ``{"url": ...}``.
        :param keep_data: leave the data in the store (for hosts that read
            it later); otherwise it is removed, with the partial uploads of
            a final upload.
        :param keep_until: when the finished upload (and kept data) expires,
            if not one expiry period from now (a staged file lives as long
            as its session).
        :returns: the finished upload's record.
        """
        try:
            self.info = self.finisher.record_taken(
                self.info, content, keep_data=keep_data, keep_until=keep_until
            )
            return self.info
        finally:
            self._end()

    def abort(self, *, remove: bool = False) -> None:
        """The host did not take the upload: nothing is acknowledged.

        The client sends its last chunk again, which finishes it again.

        :param remove: remove the upload after all (a creation request
            whose retry creates another one); a final upload's partials stay.
        """
        self._end()
        if remove:
            remove_upload(
                self.finisher.store,
                self.finisher.locker,
                self.upload_id,
                with_partials=False,
            )

    def _end(self) -> None:
        self.ended = True
        self.lease.release()


class Finisher:
    """Finishes the uploads of one store: the transitions, driven.

    The engine calls it with an upload's lock held and the upload loaded.

    :param store: where the uploads live.
    :param locker: their locks (final uploads lock their partials).
    :param hooks: the host (its :class:`~.hooks.Hooks`).
    :param expiry: seconds a finished upload's record stays; None = forever.
    :param clock: returns the current time.
    :param lock_timeout: seconds to wait for the lock of another upload.
    """

    def __init__(
        self,
        store: Store,
        locker: Locker,
        hooks: Host,
        *,
        expiry: float | None,
        clock: Callable[[], float],
        lock_timeout: float,
    ) -> None:
        self.store = store
        self.locker = locker
        self.hooks = hooks
        self.expiry = expiry
        self.clock = clock
        self.lock_timeout = lock_timeout

    # -- the transitions -------------------------------------------------------

    def complete(
        self, request: TusRequest, info: UploadInfo, lease: Lease, *, acknowledged: int
    ) -> UploadInfo:
        """All bytes of ``info`` are stored: finish it (lock held).

        A partial upload is simply finished, and the final uploads waiting
        for it are joined. Any other upload becomes ``FINISHING`` with its
        stored offset at ``acknowledged`` (where the last chunk began), and
        the host takes it over.

        :returns: the upload as the reply describes it.
        """
        if info.is_partial:
            advance(info, Event.PARTIAL_STORED)
            self.store.update_info(info)
            self.assemble_finals(request, info)
            return info
        advance(info, Event.STORED)
        self.store.update_info(replace(info, offset=acknowledged))
        finish = Finish(self, lease, info)
        content = self.hooks.after_finish(request, info, finish)
        if not finish.deferred:
            return finish.commit(content, keep_data=True)
        return as_finished(info, content)

    def record_taken(
        self,
        info: UploadInfo,
        content: dict[str, Any] | None,
        *,
        keep_data: bool,
        keep_until: float | None = None,
    ) -> UploadInfo:
        """FINISHING to FINISHED: store the record, drop the data unless kept."""
        info = as_finished(info, content)
        if keep_until is not None:
            info.expires = keep_until
        elif self.expiry is not None:
            # The record answers lost replies for one more expiry period.
            info.expires = self.clock() + self.expiry
        self.store.update_info(info)
        if not keep_data:
            self.store.remove_data(info.id)
            for partial_id in info.partial_ids:
                remove_upload(self.store, self.locker, partial_id, with_partials=False)
        return info

    def recover(
        self, request: TusRequest, info: UploadInfo, lease: Lease | None
    ) -> UploadInfo:
        """A ``FINISHING`` upload the host took already (a crash came between).

        With the upload's ``lease`` the finish is recorded; without it (an
        offset query, which changes nothing) it is only reported.
        """
        if info.state is not State.FINISHING:
            return info
        content = self.hooks.find_finished(request, info)
        if content is None:
            return info
        if lease is None:
            return as_finished(info, content)
        keep_until = content.get(KEEP_DATA_UNTIL)
        return self.record_taken(
            info, content, keep_data=keep_until is not None, keep_until=keep_until
        )

    # -- concatenation --------------------------------------------------------

    def link_partials(self, final: UploadInfo) -> None:
        """Note the final upload on its partials, so the last one to complete
        joins it (concatenation-unfinished)."""
        for partial_id in final.partial_ids:
            with self.locker.lock(partial_id, timeout=self.lock_timeout):
                partial = self.store.get_info(partial_id)
                if final.id not in partial.final_ids:
                    partial.final_ids.append(final.id)
                    self.store.update_info(partial)

    def assemble(
        self, request: TusRequest, final: UploadInfo, lease: Lease
    ) -> UploadInfo:
        """Join complete partials into ``final`` and finish it (its lock held)."""
        final = self.recover(request, final, lease)
        if final.state is not State.RECEIVING:
            return final
        partials = [self.store.get_info(partial_id) for partial_id in final.partial_ids]
        if not all(partial.is_complete for partial in partials):
            return final
        length = total_length(partials)
        if not isinstance(self.store, Concatenation):
            raise errors.BadRequest("concatenation is not supported")
        written = self.store.concatenate(final.id, partials)
        if written != length:
            self.store.truncate(final.id, 0)
            return final
        final.length = length
        final.offset = written
        return self.complete(request, final, lease, acknowledged=0)

    def assemble_finals(self, request: TusRequest, partial: UploadInfo) -> None:
        """Join the final uploads waiting for ``partial`` (now finished).

        A final that is busy is being joined by the request that completed
        another of its partials. A refusal of its finish does not fail this
        request: the partial itself was stored. The finals belong to the
        partial's owner, who created them from it in the same place.
        """
        for final_id in partial.final_ids:
            try:
                with self.locker.lock(final_id, timeout=self.lock_timeout) as lease:
                    final = self.store.get_info(final_id)
                    if final.is_expired(self.clock()):
                        continue
                    self.assemble(request, final, lease)
            except (errors.Locked, errors.NotFound):
                continue
            except errors.TusError as error:
                logger.warning(
                    "final upload %s was not finished: %s", final_id, error.message
                )
