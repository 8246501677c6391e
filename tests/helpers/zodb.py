"""A real ZODB database with blobs in a directory, for the ZODB store's tests."""

from collective.tusupload.zodbstore.locker import ZODBLocker
from collective.tusupload.zodbstore.store import ZODBStore
from ZODB.FileStorage import FileStorage

import ZODB


def open_database(directory):
    """A ``ZODB.DB`` on a FileStorage with a blob directory in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    storage = FileStorage(str(directory / "Data.fs"), blob_dir=str(directory / "blobs"))
    return ZODB.DB(storage)


def zodb_backend(directory, **locker_options):
    """A ZODB store and locker on a new database in ``directory``."""
    database = open_database(directory)
    return ZODBStore(database), ZODBLocker(database, **locker_options)
