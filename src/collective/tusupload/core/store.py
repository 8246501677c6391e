"""Where uploads live: the :class:`Store` interface and its optional parts.

A store keeps each upload's bytes and its :class:`~.info.UploadInfo`. The
engine (:mod:`.engine`) is its only caller on the request path; the cleanup
(:mod:`.cleanup`) lists and removes. A store never makes its own locker: the
two are composed outside it (:mod:`.compose`), so that a cluster can pair,
say, a database store with a lock service.

Every store implements :class:`Store`. Which protocol extensions it allows
are interfaces of their own, which a store inherits or not; the wire layers
advertise exactly those (tus: ``Tus-Extension``):

- :class:`Termination`: clients may cancel uploads (DELETE);
- :class:`Concatenation`: partial uploads are joined into final ones, with
  a generic join a store may replace by a native one;
- :class:`DeferredLength`: an upload may begin before its length is known.

:class:`SharedPartials` is a store's own ability, not the protocol's: it
keeps the partial uploads of one final in one file, so joining them copies
nothing (see :mod:`.joins`).

What only the cleanup asks (files a crash left, how old an upload is) is
:class:`Leftovers`; a store without it has nothing to leave behind.

:meth:`Store.append_region` and :meth:`Store.local_path` have generic
defaults a store may replace: copying from a file descriptor in the kernel,
and a filesystem path for hosts that link or rename the data.
A file store is in :mod:`.filestore`; ``docs/core.rst`` says how to add one.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.sizes import BLOCK_SIZE
from typing import BinaryIO

import abc
import os


class Store(abc.ABC):
    """Storage of upload data and info.

    Callers that change an upload (append, truncate, update_info, remove)
    hold the upload's lock.
    """

    @abc.abstractmethod
    def create(self, info: UploadInfo) -> UploadInfo:
        """Create an empty upload described by ``info`` and return it."""

    @abc.abstractmethod
    def get_info(self, upload_id: str) -> UploadInfo:
        """Return the info of ``upload_id``.

        :raises errors.NotFound: if there is no such upload.
        """

    @abc.abstractmethod
    def update_info(self, info: UploadInfo) -> None:
        """Persist ``info`` atomically."""

    @abc.abstractmethod
    def append(self, upload_id: str, offset: int, blocks: Iterable[bytes]) -> int:
        """Write ``blocks`` to the data starting at ``offset``; return the byte count.

        Bytes beyond ``offset`` left over from an earlier crash are cut off
        first. The info is not changed: the caller updates the offset after
        this returns. If ``blocks`` raises, the bytes written so far stay and
        the exception propagates.

        Each block is written before the next is asked for, so that the
        caller may make the bytes so far durable in between
        (:meth:`sync_data`) and record them (see
        :class:`~.transfer.Checkpoints`).
        """

    def sync_data(self, upload_id: str) -> None:  # noqa: B027 - optional
        """Make the data written so far as durable as an acknowledged chunk.

        Called during a long append before its progress is recorded, so that
        a crash never leaves an offset whose bytes are not stored. The
        default does nothing.
        """

    @abc.abstractmethod
    def truncate(self, upload_id: str, offset: int) -> None:
        """Cut the data back to ``offset`` bytes (to discard a refused chunk)."""

    @abc.abstractmethod
    def open_data(self, upload_id: str) -> BinaryIO:
        """Open the data for reading (binary)."""

    @abc.abstractmethod
    def remove(self, upload_id: str) -> int:
        """Remove the upload's data and info; return the number of bytes freed."""

    @abc.abstractmethod
    def remove_data(self, upload_id: str) -> int:
        """Remove the upload's data but keep its info (a finished upload's record).

        :returns: the number of bytes freed.
        """

    @abc.abstractmethod
    def list_ids(self) -> list[str]:
        """Return the ids of all uploads that have an info."""

    # -- generic defaults a store may replace ---------------------------------

    def append_region(
        self,
        upload_id: str,
        offset: int,
        source_fd: int,
        source_offset: int,
        count: int,
    ) -> int:
        """Like :meth:`append`, with the bytes taken from a file descriptor.

        Copies ``count`` bytes of ``source_fd`` from ``source_offset`` on;
        returns the bytes written (fewer if the source ends early). This
        default reads blocks and calls :meth:`append`; stores on a
        filesystem copy in the kernel instead.
        """

        def blocks() -> Iterator[bytes]:
            done = 0
            while done < count:
                block = os.pread(
                    source_fd, min(BLOCK_SIZE, count - done), source_offset + done
                )
                if not block:
                    return
                done += len(block)
                yield block

        return self.append(upload_id, offset, blocks())

    def local_path(self, upload_id: str) -> str | None:
        """The data's path on the local filesystem, or None if it has none.

        Hosts that can move bytes without copying (a hard link into a blob)
        use it; everyone else reads :meth:`open_data`.
        """
        return None


class Termination:
    """A store whose uploads clients may cancel (tus ``termination``, DELETE).

    A store class inherits it beside :class:`Store` to allow it; removing is
    :meth:`Store.remove`, which every store has.
    """


class DeferredLength:
    """A store that takes uploads before their length is known (tus
    ``creation-defer-length``); inherited beside :class:`Store`."""


class Concatenation:
    """A store that joins partial uploads into final ones (tus
    ``concatenation``, ``concatenation-unfinished``).

    Inherited beside :class:`Store`: the generic join below reads with
    :meth:`Store.open_data` and writes with :meth:`Store.append`.
    """

    def concatenate(self, upload_id: str, partials: list[UploadInfo]) -> int:
        """Write the data of complete ``partials``, in order, as ``upload_id``'s data.

        This default streams each partial's data (up to its length) through
        :meth:`Store.append`; a store with a native join or copy replaces it.

        :returns: the bytes written (fewer than the partials' lengths if a
            partial's data is short).
        """

        def blocks() -> Iterator[bytes]:
            for partial in partials:
                remaining = partial.length or 0
                with self.open_data(partial.id) as data:
                    while remaining > 0:
                        block = data.read(min(BLOCK_SIZE, remaining))
                        if not block:
                            return
                        remaining -= len(block)
                        yield block

        return self.append(upload_id, 0, blocks())


class SharedPartials:
    """A store that writes partial uploads in place in their group's file.

    Inherited beside :class:`Concatenation`. The engine sets a new partial
    upload's ``join_group`` and ``join_offset`` (from its ``concat-layout``
    hint, :mod:`.joins`) only for such a store; :meth:`Store.create` may
    still decline (a region given already, a group joined already) and
    returns the info without them then. :meth:`Concatenation.concatenate`
    takes the group's file as the final's data when the final names exactly
    its parts, in order, and copies otherwise.
    """


class Leftovers(abc.ABC):
    """What the cleanup asks a store that can leave files behind (a crash
    between writing data and info, an upload whose data went missing)."""

    @abc.abstractmethod
    def has_data(self, upload_id: str) -> bool:
        """Tell whether the upload's data exists (cleanup: info without data)."""

    @abc.abstractmethod
    def usage(self, upload_id: str) -> int:
        """Return the bytes all files of ``upload_id`` take (for cleanup reports)."""

    @abc.abstractmethod
    def has_leftovers(self, upload_id: str) -> bool:
        """Whether an id without info still holds anything of this store."""

    @abc.abstractmethod
    def last_activity(self, upload_id: str) -> float | None:
        """When the upload last changed (seconds since the epoch), if known.

        Cleanup's ``older_than`` judges by it; None makes it use the
        upload's creation time.
        """

    @abc.abstractmethod
    def list_orphans(self, *, older_than: float) -> list[str]:
        """Return ids that have leftover data but no info."""

    @abc.abstractmethod
    def remove_orphan(self, upload_id: str) -> int:
        """Remove the leftovers of an orphan id; return bytes freed."""
