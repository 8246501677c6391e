"""Fixtures that run a test module on each store kind: file and ZODB.

A conftest does ``from helpers.stores import *``: ``store`` and ``locker``
then come in both kinds (test ids ``[file]``, ``[zodb]``).
"""

from collective.tusupload.core import FileStore
from helpers.zodb import zodb_backend

import pytest


#: The stores the protocol tests run on.
STORE_KINDS = ("file", "zodb")


@pytest.fixture(params=STORE_KINDS)
def backend(request, tmp_path):
    """``(store, locker)`` of one kind; locker None: the store's default."""
    if request.param == "file":
        yield FileStore(tmp_path / "uploads", fsync=False), None
        return
    store, locker = zodb_backend(tmp_path / "zodb")
    yield store, locker
    store.database.close()


@pytest.fixture
def store(backend):
    return backend[0]


@pytest.fixture
def locker(backend):
    return backend[1]


__all__ = ["backend", "locker", "store"]
