"""Cleaning the ZODB store on a schedule that all instances share.

Every instance runs the cleanup timer (:mod:`...jobs`); the database says
whose turn it is. :func:`sweep_database` claims the sweep in a short
transaction that writes the time it began (:class:`~.records.SweepRecord`):
an instance that finds the last sweep younger than the interval does
nothing, and of two instances that claim at once the database lets one
commit (the other's ConflictError means "someone else sweeps").
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core.cleanup import cleanup
from collective.tusupload.core.cleanup import CleanupSummary
from collective.tusupload.zodbstore.locker import ZODBLocker
from collective.tusupload.zodbstore.store import ZODBStore
from ZODB.POSException import ConflictError

import time


def sweep_database(
    store: ZODBStore,
    locker: ZODBLocker,
    *,
    interval: float = 0.0,
    wall_clock: Callable[[], float] = time.time,
    **options: object,
) -> CleanupSummary | None:
    """Clean the store unless another instance did it within ``interval``.

    :param interval: seconds since anyone's last sweep; 0: sweep now.
    :param options: passed on to :func:`~..core.cleanup.cleanup`.
    :returns: the summary, or None if it was not this instance's turn.
    """
    now = wall_clock()
    dry_run = bool(options.get("dry_run", False))
    with store.sessions.open(note="tus cleanup: sweep") as (root, manager):
        if interval > 0 and now < root.sweep.began + interval:
            return None
        if not dry_run:
            root.sweep.began = now
            root.sweep.by = locker.label
            try:
                manager.commit()
            except ConflictError:
                return None  # another instance claimed it at the same moment
    return cleanup(store, locker=locker, **options)  # type: ignore[arg-type]


def last_database_sweep(store: ZODBStore) -> float:
    """When any instance last began a sweep of the store (0.0 if never)."""
    return store.sessions.read(lambda root: root.sweep.began)
