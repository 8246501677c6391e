"""Lock files beside a file store's uploads: :class:`FileLocker`.

:class:`FileLocker` takes ``fcntl.flock(LOCK_EX | LOCK_NB)`` on
``<directory>/<id>.lock``. ``flock`` locks belong to an open file
description, so two ``open()`` calls conflict even inside one process: the
lock works between threads as well as between processes sharing the
directory. The kernel drops the lock when its holder dies, so a lock file
that can be locked is stale whatever it says; the holder line written into
it (pid, host, time) is for people and for the cleanup of stale lock files
(:meth:`FileLocker.clear_stale`).
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.info import is_valid_upload_id
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.locks import LockLeftovers

import contextlib
import fcntl
import os
import socket
import time


LOCK_SUFFIX = ".lock"

#: Every holder line is padded to this many bytes, so that writing one over
#: another needs no truncation (which would make ext4 flush the file).
HOLDER_WIDTH = 256


class FileLocker(Locker, LockLeftovers):
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

    def is_locked(self, upload_id: str) -> bool:
        """Whether the lock is held, without creating a lock file."""
        try:
            descriptor = os.open(self.lock_path(upload_id), os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
        return False

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

    # -- leftovers (cleanup) --------------------------------------------

    def list_ids(self, *, older_than: float) -> list[str]:
        """Ids with a lock file unchanged since ``older_than``."""
        ids = []
        for name in os.listdir(self.directory):
            upload_id, suffix = os.path.splitext(name)
            if suffix != LOCK_SUFFIX or not is_valid_upload_id(upload_id):
                continue
            try:
                changed = os.stat(os.path.join(self.directory, name)).st_mtime
            except FileNotFoundError:
                continue
            if changed < older_than:
                ids.append(upload_id)
        return sorted(ids)

    def clear_stale(
        self, upload_id: str, *, in_use: Callable[[], bool], dry_run: bool = False
    ) -> int | None:
        """Remove a lock file without upload if nobody alive holds it.

        The lock file is opened without creating it, so that a lock file
        which another cleanup removed a moment ago is not brought back and
        counted twice.
        """
        path = self.lock_path(upload_id)
        try:
            descriptor = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return None
        try:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace")
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise errors.Locked() from None
            if not is_same_file(descriptor, path) or in_use():
                return None
            if _holder_is_alive(holder):
                raise errors.Locked()
            freed = os.fstat(descriptor).st_size
            if not dry_run:
                os.unlink(path)
            return freed
        finally:
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


def _write_holder(descriptor: int) -> None:
    holder = f"pid={os.getpid()} host={socket.gethostname()} time={time.time():.3f}"
    line = holder.encode("utf-8")[: HOLDER_WIDTH - 1].ljust(HOLDER_WIDTH - 1) + b"\n"
    os.pwrite(descriptor, line, 0)


def _holder_is_alive(holder: str) -> bool:
    """True if a lock file's holder line names a live other process of this host."""
    fields = dict(part.split("=", 1) for part in holder.split() if "=" in part)
    try:
        pid = int(fields.get("pid", ""))
    except ValueError:
        return False
    if pid <= 0 or fields.get("host") != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
