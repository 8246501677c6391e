"""Sweeping a file store's directory on a schedule that processes share.

:func:`sweep` adds what a scheduler needs around :func:`~.cleanup.cleanup`:
a directory-wide, non-blocking sweep lock and a timestamp file, so that all
the processes that share a directory sweep it at most once per interval
between them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core.cleanup import cleanup
from collective.tusupload.core.cleanup import CleanupSummary
from collective.tusupload.core.filestore.locker import FileLocker
from collective.tusupload.core.filestore.store import FileStore

import contextlib
import fcntl
import os
import time


SWEEP_LOCK_NAME = ".sweep.lock"
LAST_SWEEP_NAME = ".last-sweep"


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
    :param options: passed on to :func:`~.cleanup.cleanup` (``dry_run``,
        ``grace``, ``older_than``, ``clock``); the store is a
        :class:`FileStore` with a :class:`FileLocker`.
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
        return cleanup(
            FileStore(directory),
            locker=FileLocker(directory),
            **options,  # type: ignore[arg-type]
        )


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
