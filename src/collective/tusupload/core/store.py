"""Where uploads live: the :class:`Store` interface, knowing nothing about HTTP.

A store keeps each upload's bytes and its :class:`~.info.UploadInfo`. The
engine (:mod:`.engine`) is its only caller on the request path; cleanup
(:mod:`.cleanup`) lists and removes. A store never makes its own locker: the
two are composed outside it (:mod:`.compose`), so that a cluster can pair,
say, a database store with a lock service.

Some abilities are optional and have a generic default here, which a store
may replace by something native:

- :meth:`Store.append_region`: copy from a file descriptor (the default reads
  blocks and calls :meth:`Store.append`);
- :meth:`Store.concatenate`: join partial uploads into a final one (the
  default streams each partial's data into the final upload);
- :meth:`Store.local_path`: a filesystem path of the data, for hosts that
  link or rename it (the default is None: hosts then read
  :meth:`Store.open_data`).

The flags ``supports_termination``, ``supports_concatenation`` and
``supports_defer_length`` say which protocol extensions the store allows.
A file store is in :mod:`.filestore`; ``docs/core.rst`` says how to add one.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collective.tusupload.core.ids import check_upload_id
from collective.tusupload.core.ids import is_valid_upload_id
from collective.tusupload.core.ids import new_upload_id
from collective.tusupload.core.info import UploadInfo
from typing import BinaryIO

import abc
import os


__all__ = [
    "Store",
    "UploadInfo",
    "check_upload_id",
    "is_valid_upload_id",
    "new_upload_id",
]

#: Block size of the generic copies (:meth:`Store.append_region`, concatenation).
REGION_BLOCK = 1 << 20


class Store(abc.ABC):
    """Storage of upload data and info.

    Callers that change an upload (append, truncate, update_info, remove)
    hold the upload's lock.
    """

    supports_termination: bool = True
    supports_concatenation: bool = True
    supports_defer_length: bool = True

    # -- required -------------------------------------------------------

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

    # -- optional, with generic defaults ----------------------------------

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
                    source_fd, min(REGION_BLOCK, count - done), source_offset + done
                )
                if not block:
                    return
                done += len(block)
                yield block

        return self.append(upload_id, offset, blocks())

    def concatenate(self, upload_id: str, partials: list[UploadInfo]) -> int:
        """Write the data of complete ``partials``, in order, as ``upload_id``'s data.

        The default streams each partial's data (up to its length) through
        :meth:`append`; a store with a native join or copy replaces it.

        :returns: the bytes written (fewer than the partials' lengths if a
            partial's data is short).
        """

        def blocks() -> Iterator[bytes]:
            for partial in partials:
                remaining = partial.length or 0
                with self.open_data(partial.id) as data:
                    while remaining > 0:
                        block = data.read(min(REGION_BLOCK, remaining))
                        if not block:
                            return
                        remaining -= len(block)
                        yield block

        return self.append(upload_id, 0, blocks())

    def local_path(self, upload_id: str) -> str | None:
        """The data's path on the local filesystem, or None if it has none.

        Hosts that can move bytes without copying (a hard link into a blob)
        use it; everyone else reads :meth:`open_data`.
        """
        return None

    def has_data(self, upload_id: str) -> bool:
        """Tell whether the upload's data exists (cleanup: info without data)."""
        return True

    def usage(self, upload_id: str) -> int:
        """Return the bytes all files of ``upload_id`` take (for cleanup reports)."""
        return 0

    def has_leftovers(self, upload_id: str) -> bool:
        """Whether an id without info still holds anything of this store."""
        return self.usage(upload_id) > 0

    def last_activity(self, upload_id: str) -> float | None:
        """When the upload last changed (seconds since the epoch), if known.

        Cleanup's ``older_than`` judges by it; None makes it use the
        upload's creation time.
        """
        return None

    def list_orphans(self, *, older_than: float) -> list[str]:
        """Return ids that have leftover data but no info (for cleanup)."""
        return []

    def remove_orphan(self, upload_id: str) -> int:
        """Remove the leftovers of an orphan id; return bytes freed."""
        return 0
