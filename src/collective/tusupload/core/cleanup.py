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
- what the locks of vanished uploads left behind (stale lock files of a
  :class:`~.filestore.FileLocker`), once nobody alive holds them
  (:meth:`~.locks.LockLeftovers.clear_stale`).

Files a crash left behind are only found in a store that can leave them
(:class:`~.store.Leftovers`); any other store is cleaned of expired
uploads alone.

An upload whose lock is held (a PATCH is writing to it) is never touched: it
is reported as busy and retried next time. Every removal happens under the
upload's lock after checking again, so several cleanups (threads, processes,
hosts sharing the directory) may run at once and each file goes exactly once.

:func:`~.sweep.sweep` adds the coordination a scheduler needs
for a directory that several processes share.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.compose import default_locker
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.locks import LockLeftovers
from collective.tusupload.core.removal import remove_upload
from collective.tusupload.core.store import Leftovers
from collective.tusupload.core.store import Store
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

import contextlib
import time


DEFAULT_GRACE = 3600.0


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

    :param locker: the handler's locker; by default the one
        :func:`~.compose.default_locker` pairs with ``store``.
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
    if locker is None:
        locker = default_locker(store)
    summary = CleanupSummary(dry_run=dry_run)
    now = clock()
    leftovers = store if isinstance(store, Leftovers) else _NoLeftovers()
    judge = _Judge(store, leftovers, now, older_than)
    for upload_id in store.list_ids():
        if judge.is_removable(upload_id):
            _remove_upload(store, leftovers, locker, upload_id, judge, summary)
    orphans = leftovers.list_orphans(older_than=now - grace)
    for upload_id in orphans:
        if leftovers.has_leftovers(upload_id):
            _remove_orphan(store, leftovers, locker, upload_id, summary)
    if isinstance(locker, LockLeftovers):
        handled = set(store.list_ids()) | set(summary.removed_ids)
        for upload_id in locker.list_ids(older_than=now - grace):
            if upload_id not in handled:
                _remove_stale_lock(store, locker, upload_id, summary)
    return summary


class _NoLeftovers(Leftovers):
    """The answers for a store that leaves nothing behind."""

    def has_data(self, upload_id: str) -> bool:
        return True

    def usage(self, upload_id: str) -> int:
        return 0

    def has_leftovers(self, upload_id: str) -> bool:
        return False

    def last_activity(self, upload_id: str) -> float | None:
        return None

    def list_orphans(self, *, older_than: float) -> list[str]:
        return []

    def remove_orphan(self, upload_id: str) -> int:
        return 0


# -- judging ------------------------------------------------------------------


class _Judge:
    """Decides what may go, at one moment ``now``."""

    def __init__(
        self, store: Store, leftovers: Leftovers, now: float, older_than: float | None
    ) -> None:
        self.store = store
        self.leftovers = leftovers
        self.now = now
        self.older_than = older_than

    def is_removable(self, upload_id: str) -> bool:
        """Expired or broken, and not a partial still needed by a final."""
        try:
            info = self.store.get_info(upload_id)
        except errors.NotFound:
            # Unreadable info is broken; vanished info is someone else's job.
            return upload_id in self.store.list_ids()
        if not info.finished and not self.leftovers.has_data(upload_id):
            return True  # a finished upload's record has no data, by design
        if not self.is_expired(info):
            return False
        return not (info.is_partial and upload_id in self._needed_partials())

    def is_expired(self, info: UploadInfo) -> bool:
        if self.older_than is None:
            return info.is_expired(self.now)
        return self.now - _last_activity(self.leftovers, info) >= self.older_than

    def _needed_partials(self) -> set[str]:
        """Partials of final uploads that are neither complete nor expired."""
        needed: set[str] = set()
        for upload_id in self.store.list_ids():
            with contextlib.suppress(errors.NotFound):
                info = self.store.get_info(upload_id)
                if info.is_final and not info.is_complete and not self.is_expired(info):
                    needed.update(info.partial_ids)
        return needed


def _last_activity(leftovers: Leftovers, info: UploadInfo) -> float:
    """When the upload last changed, as the store knows it, else its creation."""
    changed = leftovers.last_activity(info.id)
    return changed if changed is not None else info.created


# -- removing -----------------------------------------------------------------


def _remove_upload(
    store: Store,
    leftovers: Leftovers,
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
            summary.freed_bytes += leftovers.usage(upload_id)
        return
    try:
        with locker.lock(upload_id) as lease:
            if not judge.is_removable(upload_id):
                _forget_if_gone(store, leftovers, locker, upload_id)
                return
            summary.removed_ids.append(upload_id)
            summary.freed_bytes += remove_upload(
                store, locker, upload_id, with_partials=False, lease=lease
            )
    except errors.Locked:
        summary.skipped_locked.append(upload_id)


def _remove_orphan(
    store: Store,
    leftovers: Leftovers,
    locker: Locker,
    upload_id: str,
    summary: CleanupSummary,
) -> None:
    """Remove the data and temp files of an id without info."""
    if summary.dry_run:
        if _probe(store, locker, upload_id) == "busy":
            summary.skipped_locked.append(upload_id)
        else:
            summary.removed_ids.append(upload_id)
            summary.orphans.append(upload_id)
            summary.freed_bytes += leftovers.usage(upload_id)
        return
    try:
        with locker.lock(upload_id):
            if upload_id in store.list_ids() or not leftovers.has_leftovers(upload_id):
                # Its creation completed, or another cleanup was faster.
                _forget_if_gone(store, leftovers, locker, upload_id)
                return
            freed = leftovers.remove_orphan(upload_id)
            locker.forget(upload_id)
            summary.removed_ids.append(upload_id)
            summary.orphans.append(upload_id)
            summary.freed_bytes += freed
    except errors.Locked:
        summary.skipped_locked.append(upload_id)


def _remove_stale_lock(
    store: Store, locker: LockLeftovers, upload_id: str, summary: CleanupSummary
) -> None:
    """Clear what the lock of an upload without info left, if nobody holds it."""
    try:
        freed = locker.clear_stale(
            upload_id,
            in_use=lambda: upload_id in store.list_ids(),
            dry_run=summary.dry_run,
        )
    except errors.Locked:
        summary.skipped_locked.append(upload_id)
        return
    if freed is not None:
        summary.stale_locks.append(upload_id)
        summary.freed_bytes += freed


def _probe(store: Store, locker: Locker, upload_id: str) -> str:
    """'busy' or 'free', without creating anything (for dry runs)."""
    return "busy" if locker.is_locked(upload_id) else "free"


def _forget_if_gone(
    store: Store, leftovers: Leftovers, locker: Locker, upload_id: str
) -> None:
    """Drop the lock file we may have created for an id that has no files left."""
    if upload_id not in store.list_ids() and not leftovers.has_leftovers(upload_id):
        locker.forget(upload_id)


def _human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover
