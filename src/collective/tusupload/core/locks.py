"""Per-upload locks that work across threads and processes.

:class:`FileLocker` takes ``fcntl.flock(LOCK_EX | LOCK_NB)`` on
``<directory>/<id>.lock``. ``flock`` locks belong to an open file
description, so two ``open()`` calls conflict even inside one process: the
lock works between threads as well as between processes sharing the
directory. The kernel drops the lock when its holder dies, so a lock file
that can be locked is stale whatever it says; the holder line written into
it (pid, host, time) is for people and for :mod:`.cleanup`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors
from collective.tusupload.core.store import check_upload_id
from collective.tusupload.core.store import LOCK_SUFFIX

import abc
import contextlib
import fcntl
import os
import socket
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


class FileLocker(Locker):
    """A :class:`Locker` based on ``flock`` on one lock file per upload.

    :param directory: where the ``<id>.lock`` files live.
    :param poll_interval: seconds between attempts while waiting.
    """

    def __init__(
        self, directory: str | os.PathLike[str], *, poll_interval: float = 0.02
    ) -> None:
        self.directory = os.fspath(directory)
        self.poll_interval = poll_interval

    def lock_path(self, upload_id: str) -> str:
        """Return the lock file path of ``upload_id`` (id checked first)."""
        return os.path.join(self.directory, check_upload_id(upload_id) + LOCK_SUFFIX)

    def acquire(self, upload_id: str, *, timeout: float = 0.0) -> Lease:
        """Take the lock of ``upload_id``; the lease closes the lock file."""
        descriptor = self._acquire(self.lock_path(upload_id), timeout)
        try:
            _write_holder(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        return Lease(upload_id, lambda: os.close(descriptor))

    def forget(self, upload_id: str) -> None:
        """Unlink the lock file (while holding it, so nobody else has it)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.lock_path(upload_id))

    def _acquire(self, path: str, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                if time.monotonic() >= deadline:
                    raise errors.Locked() from None
                time.sleep(self.poll_interval)
                continue
            if is_same_file(descriptor, path):
                return descriptor
            # The file was unlinked (upload removed) between open and flock:
            # the lock we hold is on a dead inode. Try again on the new path.
            os.close(descriptor)


def read_holder(path: str) -> str:
    """Return the holder line written into a lock file ('' if none)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as lock_file:
            return lock_file.read(HOLDER_WIDTH).strip()
    except FileNotFoundError:
        return ""


def is_same_file(descriptor: int, path: str) -> bool:
    """True if ``path`` still names the file open as ``descriptor``."""
    try:
        on_path = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (on_path.st_dev, on_path.st_ino)


#: Every holder line is padded to this many bytes, so that writing one over
#: another needs no truncation (which would make ext4 flush the file).
HOLDER_WIDTH = 256


def _write_holder(descriptor: int) -> None:
    holder = f"pid={os.getpid()} host={socket.gethostname()} time={time.time():.3f}"
    line = holder.encode("utf-8")[: HOLDER_WIDTH - 1].ljust(HOLDER_WIDTH - 1) + b"\n"
    os.pwrite(descriptor, line, 0)
