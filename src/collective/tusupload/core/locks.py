"""Per-upload locks: the :class:`Locker` interface, and one for a single process.

A locker is separate from the store, as in tusd: a file store's uploads are
locked with lock files beside them (:class:`~.filestore.FileLocker`), but a
cluster may pair its store with any lock service. Which locker goes with
which store is decided in :mod:`.compose`.

A locker that leaves something behind (lock files) also answers the
cleanup's questions about the locks of uploads that are gone: that is
:class:`LockLeftovers`, an interface of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors

import abc
import contextlib
import threading
import time


class Lease:
    """One held lock; :meth:`release` ends it (once, later calls do nothing).

    ``with locker.lock(...)`` releases its lease when the block ends, unless
    the block called :meth:`keep`: then whoever holds the lease (e.g. a host
    that finishes an upload in a transaction committed after the request)
    must call :meth:`release` itself.
    """

    def __init__(self, upload_id: str, release: Callable[[], None]) -> None:
        self.upload_id = upload_id
        self._release = release
        self.kept = False
        self.released = False

    def keep(self) -> Lease:
        """Keep holding the lock after the ``with`` block; returns ``self``."""
        self.kept = True
        return self

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if not self.released:
            self.released = True
            self._release()


class Locker(abc.ABC):
    """Hands out exclusive per-upload locks."""

    @abc.abstractmethod
    def acquire(self, upload_id: str, *, timeout: float = 0.0) -> Lease:
        """Take the lock of ``upload_id`` and return its lease.

        :param timeout: how long to keep trying, in seconds; 0 = try once.
        :raises errors.Locked: if the lock stays taken.
        """

    @contextlib.contextmanager
    def lock(self, upload_id: str, *, timeout: float = 0.0) -> Iterator[Lease]:
        """Hold the lock of ``upload_id`` for the ``with`` block.

        The block may call ``lease.keep()`` to hold it beyond the block.
        """
        lease = self.acquire(upload_id, timeout=timeout)
        try:
            yield lease
        finally:
            if not lease.kept:
                lease.release()

    def forget(self, upload_id: str) -> None:
        """Drop what the lock of a removed upload left behind; call while holding it."""
        return None

    def is_locked(self, upload_id: str) -> bool:
        """Tell whether someone holds the lock right now (a hint, racy by nature)."""
        try:
            with self.lock(upload_id):
                return False
        except errors.Locked:
            return True


class LockLeftovers(abc.ABC):
    """What the cleanup asks a locker whose locks leave files behind."""

    @abc.abstractmethod
    def list_ids(self, *, older_than: float) -> list[str]:
        """Ids whose lock left something behind, untouched since ``older_than``."""

    @abc.abstractmethod
    def clear_stale(
        self, upload_id: str, *, in_use: Callable[[], bool], dry_run: bool = False
    ) -> int | None:
        """Remove what the lock of a vanished upload left, if nobody holds it.

        :param in_use: asked once the lock is held: does the upload exist
            again (then nothing is removed)?
        :returns: the bytes freed, or None when there was nothing to clear.
        :raises errors.Locked: if someone alive holds the lock.
        """


class MemoryLocker(Locker):
    """Locks of one process (threads), for stores that live in one process.

    :param poll_interval: seconds between attempts while waiting.
    """

    def __init__(self, *, poll_interval: float = 0.01) -> None:
        self.poll_interval = poll_interval
        self._held: set[str] = set()
        self._guard = threading.Lock()

    def acquire(self, upload_id: str, *, timeout: float = 0.0) -> Lease:
        """Take the lock of ``upload_id``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._guard:
                if upload_id not in self._held:
                    self._held.add(upload_id)
                    return Lease(upload_id, lambda: self._release(upload_id))
            if time.monotonic() >= deadline:
                raise errors.Locked()
            time.sleep(self.poll_interval)

    def _release(self, upload_id: str) -> None:
        with self._guard:
            self._held.discard(upload_id)
