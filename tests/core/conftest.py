"""Fixtures for the core tests: a store in tmp_path, a fake clock, a tus client.

``store`` is a FileStore; the protocol tests (``tus/``, ``ietf/``) run on
each store kind (``helpers/stores.py``).
"""

from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core.request import DEFAULT_MAX_HEADER_LENGTH
from helpers.core_client import Client
from helpers.core_client import FakeClock

import pytest


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "uploads", fsync=False)


@pytest.fixture
def locker():
    """None: the store's default locker (see core/compose.py)."""
    return None


@pytest.fixture
def handler(store, clock, locker):
    return Handler(store, clock=clock, locker=locker)


@pytest.fixture
def client(handler):
    return Client(handler)


@pytest.fixture
def make_client(store, clock, locker):
    """Build a client for a handler with other settings on the same store."""

    def factory(principal="alice", max_header_length=None, **settings):
        """``max_header_length`` is the host's (the client), the rest the handler's."""
        settings.setdefault("clock", clock)
        settings.setdefault("locker", locker)
        return Client(
            Handler(store, **settings),
            principal=principal,
            max_header_length=max_header_length or DEFAULT_MAX_HEADER_LENGTH,
        )

    return factory


@pytest.fixture
def client_for():
    """Wrap any handler in a client: ``client_for(handler, principal="alice")``."""
    return Client
