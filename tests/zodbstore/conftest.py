"""Two "instances" on one ZEO server: each a ZEO client with its own blob cache."""

from collective.tusupload.zodbstore.locker import ZODBLocker
from collective.tusupload.zodbstore.store import ZODBStore

import pytest
import ZEO


@pytest.fixture
def zeo_server(tmp_path, monkeypatch):
    (tmp_path / "server").mkdir()
    monkeypatch.chdir(tmp_path)  # ZEO writes its configuration file here
    address, stop = ZEO.server(
        path=str(tmp_path / "server" / "Data.fs"),
        blob_dir=str(tmp_path / "server" / "blobs"),
    )
    yield address
    stop()


@pytest.fixture
def open_instance(zeo_server, tmp_path):
    """``open_instance(name, **locker_options)``: (store, locker) of one client."""
    databases = []

    def opener(name, **locker_options):
        database = ZEO.DB(
            zeo_server,
            blob_dir=str(tmp_path / name / "blobs"),
            shared_blob_dir=False,
            # A new transaction sees what the other instance committed before.
            server_sync=True,
        )
        databases.append(database)
        return ZODBStore(database), ZODBLocker(database, **locker_options)

    yield opener
    for database in databases:
        database.close()
