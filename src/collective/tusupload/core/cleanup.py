"""Find and remove expired uploads and the leftovers of crashed ones.

Removed are: uploads whose expiry passed, info without data, and files of
ids that have no info (data, stray temp info files, lock files of dead
processes) once they are older than a grace period. An upload whose lock is
held is never touched; it is reported as skipped and retried next time.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.store import Store
from dataclasses import dataclass
from dataclasses import field

import time


DEFAULT_GRACE = 3600.0


@dataclass
class CleanupSummary:
    """What a cleanup run removed (or, with ``dry_run``, would remove)."""

    removed_ids: list[str] = field(default_factory=list)
    freed_bytes: int = 0
    skipped_locked: list[str] = field(default_factory=list)
    dry_run: bool = False


def cleanup(
    store: Store,
    *,
    locker: Locker | None = None,
    clock: Callable[[], float] = time.time,
    dry_run: bool = False,
    grace: float = DEFAULT_GRACE,
) -> CleanupSummary:
    """Remove expired and broken uploads and orphaned files from ``store``.

    :param locker: the handler's locker; defaults to ``store.create_locker()``.
    :param clock: current time in seconds since the epoch.
    :param dry_run: report what would go without removing anything.
    :param grace: seconds an orphaned file must be untouched before removal
        (an upload being created has its data file a moment before its info).
    :returns: a :class:`CleanupSummary`.
    """
    locker = locker if locker is not None else store.create_locker()
    summary = CleanupSummary(dry_run=dry_run)
    now = clock()

    def is_removable(upload_id: str) -> bool:
        return _is_removable(store, upload_id, now)

    def is_orphan(upload_id: str) -> bool:
        return upload_id not in store.list_ids()

    for upload_id in store.list_ids():
        if is_removable(upload_id):
            _remove(store, locker, upload_id, summary, is_removable, store.remove)
    for upload_id in store.list_orphans(older_than=now - grace):
        _remove(store, locker, upload_id, summary, is_orphan, store.remove_orphan)
    return summary


def _is_removable(store: Store, upload_id: str, now: float) -> bool:
    """Expired, unreadable, or info without data."""
    try:
        info = store.get_info(upload_id)
    except errors.NotFound:
        return upload_id in store.list_ids()  # unreadable info (vanished: not ours)
    return info.is_expired(now) or not store.has_data(upload_id)


def _remove(
    store: Store,
    locker: Locker,
    upload_id: str,
    summary: CleanupSummary,
    still_removable: Callable[[str], bool],
    remove: Callable[[str], int],
) -> None:
    """Remove ``upload_id`` under its lock, re-checking once the lock is held."""
    try:
        with locker.lock(upload_id):
            if not still_removable(upload_id):
                return
            summary.removed_ids.append(upload_id)
            if summary.dry_run:
                summary.freed_bytes += store.usage(upload_id)
                return
            summary.freed_bytes += remove(upload_id)
            locker.forget(upload_id)
    except errors.Locked:
        summary.skipped_locked.append(upload_id)
