"""Find and remove expired uploads and the leftovers of crashed ones.

:func:`cleanup` removes, from one store:

- uploads whose expiry passed (or, with ``older_than``, that nobody touched
  for that long), except a partial upload that an unexpired, unfinished
  final upload still refers to;
- finished uploads' records (kept, without data, to answer HEAD and
  replays) once they expired;
- unfinished uploads whose info has no data or can't be read;
- files of ids without info (data, stray temp info files) once they are
  older than a grace period, so that an upload being created is never hit;
- lock files without upload (stale locks): nobody holds them (``flock``
  try) and their holder is not a live process of this host.

An upload whose lock is held (a PATCH is writing to it) is never touched: it
is reported as busy and retried next time. Every removal happens under the
upload's lock after checking again, so several cleanups (threads, processes,
hosts sharing the directory) may run at once and each file goes exactly once.

:func:`sweep` adds the coordination a scheduler needs: a directory-wide,
non-blocking sweep lock and a timestamp file, so that all the processes that
share a directory sweep it at most once per interval between them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors
from collective.tusupload.core.locks import FileLocker
from collective.tusupload.core.locks import is_same_file
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.store import FileStore
from collective.tusupload.core.store import LOCK_SUFFIX
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

import contextlib
import fcntl
import os
import socket
import time


DEFAULT_GRACE = 3600.0
SWEEP_LOCK_NAME = ".sweep.lock"
LAST_SWEEP_NAME = ".last-sweep"


@dataclass
class CleanupSummary:
    """What a cleanup run removed (or, with ``dry_run``, would remove).

    :ivar removed_ids: uploads removed (expired, broken) and orphan ids
        whose data or temp files were removed.
    :ivar orphans: the subset of ``removed_ids`` that had no info.
    :ivar stale_locks: ids whose lock file was left without upload.
    :ivar freed_bytes: bytes of all removed files.
    :ivar skipped_locked: ids left alone because their lock was held.
    """

    removed_ids: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stale_locks: list[str] = field(default_factory=list)
    freed_bytes: int = 0
    skipped_locked: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def removed_anything(self) -> bool:
        """True if any file went (or would go)."""
        return bool(self.removed_ids or self.stale_locks)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-serialisable dict (for REST replies and logs)."""
        return asdict(self)

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        uploads = len(self.removed_ids) - len(self.orphans)
        return (
            f"{verb} {uploads} expired upload(s), {len(self.orphans)} orphan(s), "
            f"{len(self.stale_locks)} stale lock(s), "
            f"{_human_bytes(self.freed_bytes)}; "
            f"{len(self.skipped_locked)} busy upload(s) skipped"
        )


def cleanup(
    store: Store,
    *,
    locker: Locker | None = None,
    clock: Callable[[], float] = time.time,
    dry_run: bool = False,
    grace: float = DEFAULT_GRACE,
    older_than: float | None = None,
) -> CleanupSummary:
    """Remove expired and broken uploads and orphaned files from ``store``.

    :param locker: the handler's locker; defaults to ``store.create_locker()``.
    :param clock: current time in seconds since the epoch.
    :param dry_run: report what would go without removing (or locking) anything.
    :param grace: seconds an orphaned file must be untouched before removal
        (an upload being created has its data file a moment before its info).
    :param older_than: judge uploads by idleness instead of their expiry:
        remove those whose files nobody changed for this many seconds.
    :returns: a :class:`CleanupSummary`.
    :raises ValueError: for a negative ``grace`` or ``older_than``.
    """
    if grace < 0 or (older_than is not None and older_than < 0):
        raise ValueError("grace and older_than must not be negative")
    locker = locker if locker is not None else store.create_locker()
    summary = CleanupSummary(dry_run=dry_run)
    now = clock()
    judge = _Judge(store, now, older_than)
    for upload_id in store.list_ids():
        if judge.is_removable(upload_id):
            _remove_upload(store, locker, upload_id, judge, summary)
    for upload_id in store.list_orphans(older_than=now - grace):
        if _leftovers(store, upload_id):
            _remove_orphan(store, locker, upload_id, summary)
        else:
            _remove_stale_lock(store, locker, upload_id, summary)
    return summary


# -- sweeping a directory -----------------------------------------------------


def sweep(
    directory: str | os.PathLike[str],
    *,
    interval: float = 0.0,
    wall_clock: Callable[[], float] = time.time,
    **options: object,
) -> CleanupSummary | None:
    """Clean ``directory`` unless another process is at it or did it lately.

    Takes ``<directory>/.sweep.lock`` without waiting and reads the time of
    the last sweep from ``<directory>/.last-sweep``; all processes sharing
    the directory thus sweep it at most once per ``interval`` between them.

    :param interval: seconds that must have passed since the last sweep of
        anyone; 0 sweeps whenever the sweep lock is free.
    :param wall_clock: time used for the timestamp file (shared between
        processes, so wall-clock time).
    :param options: passed on to :func:`cleanup` (``dry_run``, ``grace``,
        ``older_than``, ``clock``); the store is a :class:`FileStore`.
    :returns: the summary, or None if skipped (busy or not due).
    :raises FileNotFoundError: if ``directory`` does not exist.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"no such directory: {directory}")
    with _directory_lock(directory) as acquired:
        if not acquired:
            return None
        now = wall_clock()
        if interval > 0 and now < last_sweep(directory) + interval:
            return None
        dry_run = bool(options.get("dry_run", False))
        if not dry_run:
            _write_last_sweep(directory, now)
        return cleanup(FileStore(directory), **options)  # type: ignore[arg-type]


def last_sweep(directory: str | os.PathLike[str]) -> float:
    """Return when ``directory`` was last swept (0.0 if never)."""
    try:
        with open(os.path.join(directory, LAST_SWEEP_NAME), encoding="ascii") as file:
            return float(file.read().strip() or 0.0)
    except (FileNotFoundError, ValueError):
        return 0.0


def _write_last_sweep(directory: str, now: float) -> None:
    path = os.path.join(directory, LAST_SWEEP_NAME)
    temp_path = f"{path}.{os.getpid()}"
    with open(temp_path, "w", encoding="ascii") as file:
        file.write(f"{now:.3f}\n")
    os.replace(temp_path, path)


@contextlib.contextmanager
def _directory_lock(directory: str) -> Iterator[bool]:
    """Yield True while holding the directory's sweep lock, False if busy."""
    path = os.path.join(directory, SWEEP_LOCK_NAME)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


# -- judging ------------------------------------------------------------------


class _Judge:
    """Decides what may go, at one moment ``now``."""

    def __init__(self, store: Store, now: float, older_than: float | None) -> None:
        self.store = store
        self.now = now
        self.older_than = older_than

    def is_removable(self, upload_id: str) -> bool:
        """Expired or broken, and not a partial still needed by a final."""
        try:
            info = self.store.get_info(upload_id)
        except errors.NotFound:
            # Unreadable info is broken; vanished info is someone else's job.
            return upload_id in self.store.list_ids()
        if not info.finished and not self.store.has_data(upload_id):
            return True  # a finished upload's record has no data, by design
        if not self.is_expired(info):
            return False
        return not (info.is_partial and upload_id in self._needed_partials())

    def is_expired(self, info: UploadInfo) -> bool:
        if self.older_than is None:
            return info.is_expired(self.now)
        return self.now - _last_activity(self.store, info) >= self.older_than

    def _needed_partials(self) -> set[str]:
        """Partials of final uploads that are neither complete nor expired."""
        needed: set[str] = set()
        for upload_id in self.store.list_ids():
            with contextlib.suppress(errors.NotFound):
                info = self.store.get_info(upload_id)
                if info.is_final and not info.is_complete and not self.is_expired(info):
                    needed.update(info.partial_ids)
        return needed


def _last_activity(store: Store, info: UploadInfo) -> float:
    """When the upload last changed: its files' mtime, else its creation."""
    if isinstance(store, FileStore):
        times = [
            os.stat(path).st_mtime
            for path in (store.info_path(info.id), store.data_path(info.id))
            if os.path.exists(path)
        ]
        if times:
            return max(times)
    return info.created


def _leftovers(store: Store, upload_id: str) -> bool:
    """Whether an id without info still has files other than its lock file."""
    if isinstance(store, FileStore):
        return any(
            name.startswith(upload_id + ".") and name != upload_id + LOCK_SUFFIX
            for name in os.listdir(store.directory)
        )
    return store.usage(upload_id) > 0


# -- removing -----------------------------------------------------------------


def _remove_upload(
    store: Store,
    locker: Locker,
    upload_id: str,
    judge: _Judge,
    summary: CleanupSummary,
) -> None:
    """Remove an upload under its lock, judging it again once the lock is held."""
    if summary.dry_run:
        if _probe(store, locker, upload_id) == "busy":
            summary.skipped_locked.append(upload_id)
        else:
            summary.removed_ids.append(upload_id)
            summary.freed_bytes += store.usage(upload_id)
        return
    try:
        with locker.lock(upload_id):
            if not judge.is_removable(upload_id):
                _forget_if_gone(store, locker, upload_id)
                return
            summary.removed_ids.append(upload_id)
            summary.freed_bytes += store.remove(upload_id)
            locker.forget(upload_id)
    except errors.Locked:
        summary.skipped_locked.append(upload_id)


def _remove_orphan(
    store: Store, locker: Locker, upload_id: str, summary: CleanupSummary
) -> None:
    """Remove the data and temp files of an id without info."""
    if summary.dry_run:
        if _probe(store, locker, upload_id) == "busy":
            summary.skipped_locked.append(upload_id)
        else:
            summary.removed_ids.append(upload_id)
            summary.orphans.append(upload_id)
            summary.freed_bytes += store.usage(upload_id)
        return
    try:
        with locker.lock(upload_id):
            if upload_id in store.list_ids() or not _leftovers(store, upload_id):
                # Its creation completed, or another cleanup was faster.
                _forget_if_gone(store, locker, upload_id)
                return
            freed = store.remove_orphan(upload_id)
            locker.forget(upload_id)
            summary.removed_ids.append(upload_id)
            summary.orphans.append(upload_id)
            summary.freed_bytes += freed
    except errors.Locked:
        summary.skipped_locked.append(upload_id)


def _remove_stale_lock(
    store: Store, locker: Locker, upload_id: str, summary: CleanupSummary
) -> None:
    """Remove a lock file without upload if nobody alive holds it.

    The lock file is opened without creating it, so that a lock file which
    another cleanup removed a moment ago is not brought back and counted twice.
    """
    if not (isinstance(locker, FileLocker) and isinstance(store, FileStore)):
        return
    path = locker.lock_path(upload_id)
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return
    try:
        holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            summary.skipped_locked.append(upload_id)
            return
        if not is_same_file(descriptor, path) or upload_id in store.list_ids():
            return
        if _holder_is_alive(holder):
            summary.skipped_locked.append(upload_id)
            return
        summary.stale_locks.append(upload_id)
        summary.freed_bytes += os.fstat(descriptor).st_size
        if not summary.dry_run:
            os.unlink(path)
    finally:
        os.close(descriptor)


def _probe(store: Store, locker: Locker, upload_id: str) -> str:
    """'busy', 'free' or 'none', without creating a lock file (for dry runs)."""
    if not isinstance(locker, FileLocker):
        return "busy" if locker.is_locked(upload_id) else "free"
    try:
        descriptor = os.open(locker.lock_path(upload_id), os.O_RDWR)
    except FileNotFoundError:
        return "none"
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "busy"
    finally:
        os.close(descriptor)
    return "free"


def _forget_if_gone(store: Store, locker: Locker, upload_id: str) -> None:
    """Drop the lock file we may have created for an id that has no files left."""
    if upload_id not in store.list_ids() and not _leftovers(store, upload_id):
        locker.forget(upload_id)


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


def _human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover
