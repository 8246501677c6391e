"""Which locker goes with which store: composition happens here, not in a store.

A host that builds its own pair passes both to the handler (or to
:func:`compose`); one that passes only a store gets the locker this module
picks for it: lock files beside a :class:`~.filestore.FileStore`'s uploads,
else in-process locks (right for a store that lives in one process only; a
store shared between processes needs a locker shared as widely).
"""

from __future__ import annotations

from collective.tusupload.core.filestore.locker import FileLocker
from collective.tusupload.core.filestore.store import DEFAULT_FSYNC
from collective.tusupload.core.filestore.store import FileStore
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.locks import MemoryLocker
from collective.tusupload.core.store import Store
from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    """A store and the locker that guards its uploads."""

    store: Store
    locker: Locker


def default_locker(store: Store) -> Locker:
    """The locker for ``store`` when the host names none."""
    if isinstance(store, FileStore):
        return FileLocker(store.directory)
    return MemoryLocker()


def compose(store: Store, locker: Locker | None = None) -> Backend:
    """Pair ``store`` with ``locker`` (or its default locker)."""
    return Backend(store, locker if locker is not None else default_locker(store))


def file_backend(directory: str, *, fsync: bool = DEFAULT_FSYNC) -> Backend:
    """A file store in ``directory`` with lock files beside its uploads."""
    store = FileStore(directory, fsync=fsync)
    return Backend(store, FileLocker(store.directory))
