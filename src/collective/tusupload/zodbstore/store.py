"""Unfinished uploads in the ZODB: :class:`ZODBStore`.

For several Zope instances behind a load balancer that share nothing but
their database (ZEO or RelStorage): any instance can take any chunk. Each
upload is an :class:`~.records.UploadEntry` in the database's root (not in a
site: no catalog, no events, nothing a request's transaction touches):

- **each chunk is committed in its own short transaction** on a connection
  of the store's own, as a blob (streamed into the blob file in blocks,
  never held whole in memory) in a BTree keyed by the offset it begins at;
  a long body is committed in parts at the engine's checkpoints
  (:meth:`ZODBStore.sync_data`), so that a killed instance loses at most
  one interval and the offset never counts a byte that is not committed;
- **the info is a persistent record** written by :meth:`ZODBStore.update_info`;
- **no double append**: a chunk's transaction reads the upload's info as
  current (``readCurrent``) and writes its data record. Two instances
  appending to one upload at once (which the locker already prevents,
  :mod:`.locker`) both write the data record: the database refuses the
  second commit with a ConflictError, and that append answers 409
  (:class:`ConcurrentAppend`) with nothing of it kept.

Finishing reads the chunks as one stream (:meth:`ZODBStore.open_data`),
whose :meth:`~.chunks.ChunkReader.copy_to` copies them in the kernel into
the content's blob: one copy of the bytes. Removed chunks stay in the
database's files until it is packed (``docs/deployment.rst``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collective.tusupload.core import errors
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.store import Concatenation
from collective.tusupload.core.store import DeferredLength
from collective.tusupload.core.store import Leftovers
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import Termination
from collective.tusupload.zodbstore.chunks import ChunkReader
from collective.tusupload.zodbstore.chunks import chunks_of
from collective.tusupload.zodbstore.chunks import copy_prefix
from collective.tusupload.zodbstore.chunks import cut
from collective.tusupload.zodbstore.records import UploadEntry
from collective.tusupload.zodbstore.records import UploadsRoot
from collective.tusupload.zodbstore.sessions import Sessions
from collective.tusupload.zodbstore.sessions import unavailable
from typing import BinaryIO
from ZODB.blob import Blob
from ZODB.interfaces import IBlobStorage
from ZODB.POSException import ConflictError
from ZODB.POSException import StorageError

import json
import logging
import threading
import time


logger = logging.getLogger("collective.tusupload")


class ConcurrentAppend(errors.OffsetMismatch):
    """Another request appended to the upload at the same moment (409)."""

    message = (
        "another request appended to this upload at the same time (on another "
        "instance); nothing of this request was kept: ask for the offset (HEAD) "
        "and continue from there"
    )


class ZODBStore(Store, Termination, Concatenation, DeferredLength, Leftovers):
    """A :class:`Store` in a ZODB database that several processes share.

    :param database: a ``ZODB.DB`` whose storage keeps blobs (ZEO with a
        blob directory, RelStorage with a blob cache, FileStorage with
        ``blob-dir``). The store opens its own connections on it.
    :raises ValueError: if the database can't keep blobs.
    """

    def __init__(self, database) -> None:
        if not IBlobStorage.providedBy(database.storage):
            raise ValueError(
                "the ZODB store needs a database with blob storage "
                "(blob-dir in zope.conf)"
            )
        self.database = database
        self.sessions = Sessions(database)
        self._appends: dict[tuple[int, str], _Append] = {}

    # -- info ---------------------------------------------------------------

    def create(self, info: UploadInfo) -> UploadInfo:
        """Add the upload's entry (info and empty data) in one transaction."""
        upload_id = check_upload_id(info.id)

        def add(root: UploadsRoot) -> None:
            if upload_id in root.uploads:
                raise errors.BadRequest("an upload with this id exists")
            root.uploads[upload_id] = UploadEntry(info.to_dict())

        self.sessions.write(add, note=f"tus upload {upload_id}: create")
        return info

    def get_info(self, upload_id: str) -> UploadInfo:
        """The info as last committed; the offset never past the committed data."""
        return self.sessions.read(lambda root: _info(_entry(root, upload_id)))

    def update_info(self, info: UploadInfo) -> None:
        """Commit ``info`` (its record only: chunk transactions are not touched)."""

        def update(root: UploadsRoot) -> None:
            _entry(root, info.id).info.values = info.to_dict()

        self.sessions.write(update, note=f"tus upload {info.id}: info")

    def list_ids(self) -> list[str]:
        """Ids of every upload in the database."""
        return self.sessions.read(lambda root: list(root.uploads.keys()))

    def infos(self) -> list[UploadInfo]:
        """Every upload's info, read in one transaction (listings, limits)."""
        return self.sessions.read(
            lambda root: [_info(entry) for entry in root.uploads.values()]
        )

    # -- data ---------------------------------------------------------------

    def append(self, upload_id: str, offset: int, blocks: Iterable[bytes]) -> int:
        """Stream ``blocks`` into chunk blobs from ``offset``; commit each part.

        :raises ConcurrentAppend: (409) another request appended at once;
            the part being written is not kept.
        :raises errors.OffsetMismatch: ``offset`` is before the upload's
            committed offset or past its data.
        """
        check_upload_id(upload_id)
        key = (threading.get_ident(), upload_id)
        appending = _Append(self.sessions, upload_id, offset)
        self._appends[key] = appending
        try:
            for block in blocks:
                appending.write(block)
        finally:
            del self._appends[key]
            # Bytes that arrived before a failure stay (Store.append).
            appending.commit()
        return appending.written

    def sync_data(self, upload_id: str) -> None:
        """Commit the part of the running append written so far (a checkpoint)."""
        appending = self._appends.get((threading.get_ident(), upload_id))
        if appending is not None:
            appending.commit()

    def truncate(self, upload_id: str, offset: int) -> None:
        """Drop the bytes past ``offset`` (a refused chunk)."""
        self.sessions.write(
            lambda root: cut(_entry(root, upload_id).data, offset),
            note=f"tus upload {upload_id}: truncate",
        )

    def open_data(self, upload_id: str) -> BinaryIO:
        """The chunks as one stream; it holds a connection until closed."""
        session = self.sessions.open(create=False)
        root, _manager = session.__enter__()
        try:
            data = _entry(root, upload_id).data
            reader = ChunkReader(
                chunks_of(data), data.size, lambda: session.__exit__(None, None, None)
            )
        except BaseException:
            session.__exit__(None, None, None)
            raise
        return reader  # type: ignore[return-value]

    def data_size(self, upload_id: str) -> int:
        """The bytes stored (committed) for ``upload_id``."""
        return self.sessions.read(lambda root: _entry(root, upload_id).data.size)

    def remove(self, upload_id: str) -> int:
        """Delete the entry; its blobs go when the database is packed."""

        def delete(root: UploadsRoot) -> int:
            entry = root.uploads.get(upload_id)
            if entry is None:
                return 0
            del root.uploads[upload_id]
            return _usage(entry)

        return self.sessions.write(delete, note=f"tus upload {upload_id}: remove")

    def remove_data(self, upload_id: str) -> int:
        """Drop the chunks; the info stays (a finished upload's record)."""

        def drop(root: UploadsRoot) -> int:
            data = _entry(root, upload_id).data
            data.present = False
            return cut(data, 0)

        return self.sessions.write(drop, note=f"tus upload {upload_id}: remove data")

    def concatenate(self, upload_id: str, partials: list[UploadInfo]) -> int:
        """Join the partials by reference: their chunk blobs become the final's.

        No byte is copied (a chunk a partial's length ends inside is, once);
        the blobs live on when the partials are removed.
        """

        def join(root: UploadsRoot) -> int:
            data = _entry(root, upload_id).data
            cut(data, 0)
            written = 0
            for partial in partials:
                length = partial.length or 0
                source = _entry(root, partial.id).data
                for chunk in chunks_of(source, limit=length):
                    blob = chunk.blob
                    if not chunk.whole:
                        blob = copy_prefix(blob, chunk.end - chunk.start)
                    data.chunks[written + chunk.start] = blob
                added = min(length, source.size)
                written += added
                if added < length:
                    break
            data.size = written
            data.changed = time.time()
            return written

        return self.sessions.write(join, note=f"tus upload {upload_id}: concatenate")

    # -- what the cleanup asks (Leftovers) -------------------------------------

    def last_activity(self, upload_id: str) -> float | None:
        """When a chunk of the upload was last committed (None: never)."""
        changed = self.sessions.read(lambda root: _entry(root, upload_id).data.changed)
        return changed or None

    def has_data(self, upload_id: str) -> bool:
        """False once a finished upload's data went to its content."""
        return self.sessions.read(lambda root: _entry(root, upload_id).data.present)

    def usage(self, upload_id: str) -> int:
        """The upload's bytes and its info record's (as JSON)."""
        return self.sessions.read(lambda root: _usage(_entry(root, upload_id)))

    def has_leftovers(self, upload_id: str) -> bool:
        """Never: an upload's entry is made and removed in one transaction."""
        return False

    def list_orphans(self, *, older_than: float) -> list[str]:
        """None (see :meth:`has_leftovers`)."""
        return []

    def remove_orphan(self, upload_id: str) -> int:
        """Nothing to remove (see :meth:`has_leftovers`)."""
        return 0


class _Append:
    """One append in progress: parts, each committed in its own transaction."""

    def __init__(self, sessions: Sessions, upload_id: str, offset: int) -> None:
        self.sessions = sessions
        self.upload_id = upload_id
        self.offset = offset
        self.written = 0
        self._session = None
        self._file = None
        self._part = 0

    def write(self, block: bytes) -> None:
        if self._file is None:
            self._begin()
        self._file.write(block)
        self._part += len(block)

    def _begin(self) -> None:
        """Open a part: a transaction that checks the offset, and a new blob."""
        session = self.sessions.open(note=f"tus upload {self.upload_id}: chunk")
        root, manager = session.__enter__()
        try:
            entry = _entry(root, self.upload_id)
            # Read as current: the info changed by someone else before this
            # commits makes it fail (ConflictError), as does their data.
            start = self.offset + self.written
            # Loaded first: a ghost's serial may be an older revision's.
            committed = entry.info.values.get("offset", 0)
            entry._p_jar.readCurrent(entry.info)
            if start < committed or start > entry.data.size:
                raise errors.OffsetMismatch(
                    "the upload's offset moved (another request appended); "
                    "ask for the offset (HEAD) and continue from there",
                    expected=min(committed, entry.data.size),
                    provided=start,
                )
            cut(entry.data, start)
            blob = Blob()
            self._file = blob.open("w")
        except StorageError as error:
            session.__exit__(None, None, None)
            raise unavailable(error) from error
        except BaseException:
            session.__exit__(None, None, None)
            raise
        self._session = (session, manager, entry, blob, start)
        self._part = 0

    def commit(self) -> None:
        """Commit the part written so far (none: nothing to do)."""
        if self._session is None:
            return
        session, manager, entry, blob, start = self._session
        self._session = None
        try:
            self._file.close()
            self._file = None
            if self._part:
                entry.data.chunks[start] = blob
                entry.data.size = start + self._part
                entry.data.changed = time.time()
            try:
                manager.commit()
            except ConflictError as error:
                logger.info("upload %s: chunk not kept: %s", self.upload_id, error)
                raise ConcurrentAppend() from None
            except StorageError as error:
                raise unavailable(error) from error
            self.written += self._part
        finally:
            self._part = 0
            session.__exit__(None, None, None)


def _entry(root: UploadsRoot, upload_id: str) -> UploadEntry:
    entry = root.uploads.get(check_upload_id(upload_id))
    if entry is None:
        raise errors.NotFound()
    return entry


def _usage(entry: UploadEntry) -> int:
    return entry.data.size + len(json.dumps(entry.info.values))


def _info(entry: UploadEntry) -> UploadInfo:
    info = UploadInfo.from_dict(dict(entry.info.values))
    if not info.finished:
        # Never an offset whose bytes are not committed.
        info.offset = min(info.offset, entry.data.size)
    return info
