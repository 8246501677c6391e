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


class Locker(abc.ABC):
    """Hands out exclusive per-upload locks."""

    @abc.abstractmethod
    def lock(
        self, upload_id: str, *, timeout: float = 0.0
    ) -> contextlib.AbstractContextManager[None]:
        """Return a context manager holding the lock of ``upload_id``.

        :param timeout: how long to keep trying, in seconds; 0 = try once.
        :raises errors.Locked: if the lock stays taken.
        """

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

    @contextlib.contextmanager
    def lock(self, upload_id: str, *, timeout: float = 0.0) -> Iterator[None]:
        """Hold the lock of ``upload_id`` for the ``with`` block."""
        descriptor = self._acquire(self.lock_path(upload_id), timeout)
        try:
            _write_holder(descriptor)
            yield
        finally:
            os.close(descriptor)

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
