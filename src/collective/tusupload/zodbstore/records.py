"""The persistent objects of the ZODB store, under one key of the database's root.

::

    root["collective.tusupload"]          UploadsRoot
        .uploads   OOBTree  id -> UploadEntry
                                   .info  InfoRecord  (the UploadInfo as a dict)
                                   .data  DataRecord  (chunks: LOBTree offset -> Blob)
        .locks     OOBTree  key -> LockRecord (holder, until)
        .sweep     SweepRecord   (when the last cleanup sweep began)

An upload's info and its data are separate persistent objects, so that the
chunk transactions and the info updates write different records; a chunk's
transaction still *reads* the info's offset as current (see
:meth:`~.store.ZODBStore.append`), which is how two instances appending to
one upload at once are told apart by the database's conflict detection.
"""

from __future__ import annotations

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from typing import Any


ROOT_KEY = "collective.tusupload"


class InfoRecord(Persistent):
    """An upload's :class:`~..core.info.UploadInfo`, as its ``to_dict()``."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values


class DataRecord(Persistent):
    """An upload's bytes: chunk blobs keyed by the offset where each begins.

    ``size`` is the bytes stored (the end of the last chunk); ``changed``
    when a chunk was last committed (seconds since the epoch); ``present``
    False once a finished upload's data went to its content.
    """

    present = True

    def __init__(self) -> None:
        self.chunks = LOBTree()
        self.size = 0
        self.changed = 0.0


class UploadEntry(Persistent):
    """One upload: its info and its data, never replaced themselves."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.info = InfoRecord(values)
        self.data = DataRecord()


class LockRecord(Persistent):
    """Who holds a lock (a random token) and until when (seconds since the epoch)."""

    def __init__(self) -> None:
        self.holder: str | None = None
        self.until = 0.0
        self.label = ""


class SweepRecord(Persistent):
    """When the last cleanup sweep began, and which process ran it."""

    def __init__(self) -> None:
        self.began = 0.0
        self.by = ""


class UploadsRoot(Persistent):
    """Everything the store keeps, under :data:`ROOT_KEY`."""

    def __init__(self) -> None:
        self.uploads = OOBTree()
        self.locks = OOBTree()
        self.sweep = SweepRecord()
