"""Short transactions on connections of the store's own, never a request's.

Every operation of the ZODB store and locker opens a connection from the
database's pool with a transaction manager of its own, does one thing in
one transaction and closes it: a request thread's transaction (Zope's
``transaction.get()``) is never touched, so a chunk never waits for, or
joins, the content a request writes.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors
from collective.tusupload.zodbstore.records import ROOT_KEY
from collective.tusupload.zodbstore.records import UploadsRoot
from typing import TypeVar
from ZODB.POSException import ConflictError
from ZODB.POSException import StorageError

import contextlib
import transaction


T = TypeVar("T")

#: How often a small write (info, removal, a lock) is tried again after a
#: conflict with another instance's write to the same BTree bucket.
WRITE_ATTEMPTS = 5


def unavailable(error: StorageError) -> errors.ServiceUnavailable:
    """The 503 for a database that can't be reached or refuses to store."""
    return errors.ServiceUnavailable(
        f"the uploads' database can't be used right now ({type(error).__name__}: "
        f"{error}); try again in a moment",
        headers={"Retry-After": "5"},
    )


class Sessions:
    """Opens one-transaction sessions on ``database`` (a ``ZODB.DB``)."""

    def __init__(self, database) -> None:
        self.database = database

    @contextlib.contextmanager
    def open(
        self, *, note: str = "", create: bool = True
    ) -> Iterator[tuple[UploadsRoot, object]]:
        """Yield ``(uploads root, transaction manager)`` on a fresh connection.

        The caller commits through the manager (or not: whatever is left
        uncommitted is aborted when the block ends).

        :param create: make the store's root if the database has none yet;
            otherwise an empty root that is not stored stands in (a read
            changes nothing, not even on a new database).

        :raises errors.ServiceUnavailable: (503) the database can't be
            reached or refuses to store (e.g. the ZEO server is down).
        """
        manager = transaction.TransactionManager()
        connection = self.database.open(transaction_manager=manager)
        try:
            txn = manager.begin()
            if note:
                txn.note(note)
            yield self._root(connection, manager, create=create), manager
        except StorageError as error:
            raise unavailable(error) from error
        finally:
            manager.abort()
            connection.close()

    def read(self, work: Callable[[UploadsRoot], T]) -> T:
        """Run ``work`` on a fresh view of the database; nothing is written."""
        with self.open(create=False) as (root, _manager):
            return work(root)

    def write(self, work: Callable[[UploadsRoot], T], *, note: str = "") -> T:
        """Run ``work`` in one transaction and commit it, again after a conflict.

        For small writes whose callers hold the upload's lock: a conflict can
        only come from another upload's change to the same BTree bucket, so
        running ``work`` again on the newest state is right.
        """
        for attempt in range(WRITE_ATTEMPTS):
            with self.open(note=note) as (root, manager):
                result = work(root)
                try:
                    manager.commit()
                except ConflictError:
                    if attempt == WRITE_ATTEMPTS - 1:
                        raise
                    continue
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _root(connection, manager, *, create: bool) -> UploadsRoot:
        """The store's root; made in a transaction of its own the first time."""
        root = connection.root()
        uploads = root.get(ROOT_KEY)
        if uploads is not None:
            return uploads
        if not create:
            return UploadsRoot()
        manager.abort()
        try:
            root[ROOT_KEY] = UploadsRoot()
            manager.get().note("collective.tusupload: the upload store's root")
            manager.commit()
        except ConflictError:
            manager.abort()  # another instance made it at the same time
        manager.begin()
        return connection.root()[ROOT_KEY]
