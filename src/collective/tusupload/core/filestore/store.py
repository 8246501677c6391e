"""Uploads as files: :class:`FileStore`.

A :class:`FileStore` keeps two files per upload in one directory::

    <id>.data   the bytes received so far (appended, never rewritten)
    <id>.info   JSON of :class:`~..info.UploadInfo` in two slots written in
                turn (see :mod:`.infofile`), so an update is never half done

The same directory usually holds the ``<id>.lock`` files of a
:class:`~.locker.FileLocker`; they are the locker's, and the store leaves
them alone.

A partial upload that says where it belongs in its final upload
(``join_group``) has ``<id>.part`` instead of ``<id>.data``: a link to one
file its group shares, written in its region, which the final takes
without a copy (see :mod:`.shared`).

The info file is the truth: its ``offset`` only advances after the data up to
it is on disk, so a crash leaves at worst a data file that is *longer* than
the info says. Such surplus bytes are ignored and cut off before the next
write (see :meth:`FileStore.append`).

A full disk (or an exhausted quota) is not a bug but a state of the server:
every write of a :class:`FileStore` turns it into
:class:`~..errors.InsufficientStorage` (507, see :mod:`..disk`), and an
upload that could never fit the free space is refused at creation, before
any file is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from collective.tusupload.core import errors
from collective.tusupload.core.disk import format_size
from collective.tusupload.core.disk import free_space
from collective.tusupload.core.disk import no_space_as_507
from collective.tusupload.core.filestore import infofile
from collective.tusupload.core.filestore import layout
from collective.tusupload.core.filestore.leftovers import FileLeftovers
from collective.tusupload.core.filestore.shared import Group
from collective.tusupload.core.filestore.shared import holes_mean_unwritten
from collective.tusupload.core.filestore.shared import PART_SUFFIX
from collective.tusupload.core.filestore.shared import punch_hole
from collective.tusupload.core.filestore.shared import Region
from collective.tusupload.core.filestore.shared import region_of
from collective.tusupload.core.filestore.shared import RegionReader
from collective.tusupload.core.filestore.shared import stored_in
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.info import is_valid_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.regions import copy_region
from collective.tusupload.core.store import Concatenation
from collective.tusupload.core.store import DeferredLength
from collective.tusupload.core.store import SharedPartials
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import Termination
from typing import BinaryIO

import errno
import json
import os
import secrets
import time


#: Whether a file store flushes data and info to the disk before an offset
#: advances. Off: a killed process loses nothing either way (the page cache
#: survives it), and after a power loss the store reports only the bytes
#: that reached the disk (see :meth:`FileStore.get_info`), so clients resume
#: from there. The one default of every host (the filter, Plone's
#: ``TUSUPLOAD_FSYNC``, the ``Tus`` class).
DEFAULT_FSYNC = False

#: Reads of an info file before it counts as unreadable.
INFO_READ_ATTEMPTS = 3


class FileStore(
    Store,
    Termination,
    Concatenation,
    SharedPartials,
    DeferredLength,
    FileLeftovers,
):
    """A :class:`Store` with one data file (a placed part: a link to its
    group's file) and one info file per upload.

    It allows every protocol extension (termination, concatenation with a
    join in the kernel, or none for parts written in place, deferred
    length) and can leave files behind after a crash, which it finds for the
    cleanup (:class:`Leftovers`).

    :param directory: where uploads live; created if missing.
    :param fsync: flush data and info to stable storage before the offset
        advances (crash consistency on power loss, not only process death).
    """

    def __init__(
        self, directory: str | os.PathLike[str], *, fsync: bool = DEFAULT_FSYNC
    ) -> None:
        self.directory = os.fspath(directory)
        self.fsync = fsync
        os.makedirs(self.directory, exist_ok=True)
        #: Whether partial uploads may be placed in shared files here.
        self.places_parts = holes_mean_unwritten(self.directory)

    # -- paths ------------------------------------------------------------

    def _path(self, upload_id: str, suffix: str) -> str:
        return os.path.join(self.directory, check_upload_id(upload_id) + suffix)

    def data_path(self, upload_id: str) -> str:
        """Return the path of the data file."""
        return self._path(upload_id, layout.DATA_SUFFIX)

    def info_path(self, upload_id: str) -> str:
        """Return the path of the info file."""
        return self._path(upload_id, layout.INFO_SUFFIX)

    def part_path(self, upload_id: str) -> str:
        """Return the path of a placed part's link to its group's file."""
        return self._path(upload_id, PART_SUFFIX)

    def local_path(self, upload_id: str) -> str | None:
        """The data file's path (see :meth:`data_path`); None for a placed part,
        whose file holds other parts' bytes too."""
        path, region = self._where(upload_id)
        return path if region is None else None

    # -- info -------------------------------------------------------------

    def create(self, info: UploadInfo) -> UploadInfo:
        """Create the empty data file, then the info (which makes it exist).

        A partial upload with a place gets its group's file instead, if its
        region is free; otherwise it is created as any other (and returned
        without its place).

        :raises errors.InsufficientStorage: if the upload's length is more
            than the free space, or the disk is full; no file is left then.
        """
        if not self._joins_in_place(info):
            self._check_free_space(info.length)
        data_path = self.data_path(info.id)
        region = region_of(info) if self.places_parts else None
        with no_space_as_507():
            if region is not None and self._group(info).claim(
                info.id, region, self.part_path(info.id)
            ):
                data_path = self.part_path(info.id)
            else:
                info.join_group = None
                info.join_offset = 0
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
                os.close(os.open(data_path, flags, 0o600))
        try:
            self.update_info(info)
        except BaseException:
            layout.unlink_quietly(data_path)
            raise
        return info

    def free_space(self) -> int:
        """Return the bytes that can still be written to the directory."""
        return free_space(self.directory)

    def _check_free_space(self, length: int | None) -> None:
        """Refuse an upload that could not fit the disk as it is now."""
        if not length:
            return
        free = self.free_space()
        if length > free:
            raise errors.InsufficientStorage(
                f"not enough disk space on the server: this upload needs "
                f"{format_size(length)}, {format_size(free)} are free; "
                "try again later or upload a smaller file"
            )

    def get_info(self, upload_id: str) -> UploadInfo:
        """Read the info; clamp the offset to the bytes really on disk."""
        info = self._load_info(upload_id)
        on_disk = self._data_size(upload_id, region_of(info))
        if on_disk is not None and on_disk < info.offset:
            # Only possible after a power loss with fsync=False.
            info.offset = on_disk
        return info

    def _load_info(self, upload_id: str) -> UploadInfo:
        """The info as stored."""
        path = self.info_path(upload_id)
        try:
            info = UploadInfo.from_dict(json.loads(self._read_info_payload(path)))
        except FileNotFoundError:
            raise errors.NotFound() from None
        except (ValueError, TypeError) as error:
            raise errors.NotFound("upload info unreadable") from error
        if info.id != upload_id:
            raise errors.NotFound()
        return info

    def _where(self, upload_id: str) -> tuple[str, Region | None]:
        """The file that holds the upload's bytes, and its region there
        (None: the whole file, the upload's own)."""
        part_path = self.part_path(upload_id)
        if not os.path.exists(part_path):
            return self.data_path(upload_id), None
        return part_path, region_of(self._load_info(upload_id))

    def _group(self, info: UploadInfo) -> Group:
        group_id = check_upload_id(info.join_group)
        return Group(self.directory, group_id, sync=self.fsync)

    def _joins_in_place(self, info: UploadInfo) -> bool:
        """Whether a final upload's partials are all placed in one group
        (then joining them needs no room on the disk)."""
        if not info.is_final or not info.partial_ids:
            return False
        try:
            groups = {self._load_info(i).join_group for i in info.partial_ids}
        except errors.NotFound:
            return False
        return len(groups) == 1 and None not in groups

    @staticmethod
    def _read_info_payload(path: str) -> bytes:
        """The JSON of the info file's newest valid slot (see :mod:`.infofile`)."""
        for attempt in range(INFO_READ_ATTEMPTS):
            with open(path, "rb") as info_file:
                record = infofile.read_record(info_file.read())
            if record is not None:
                return record.payload
            # Only a slot being written can be invalid, never both: a
            # second read sees the finished write.
            time.sleep(0.001 * (attempt + 1))
        raise ValueError("no valid slot in the info file")

    def update_info(self, info: UploadInfo) -> None:
        """Store the info: in place in the older slot, else as a new file.

        The caller holds the upload's lock, so there is one writer at a time.
        """
        path = self.info_path(info.id)
        payload = json.dumps(info.to_dict(), sort_keys=True).encode("utf-8")
        try:
            descriptor = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            descriptor = None
        if descriptor is not None:
            try:
                size = os.fstat(descriptor).st_size
                where = infofile.next_write(os.pread(descriptor, size, 0), payload)
                if where is not None:
                    offset, slot = where
                    with no_space_as_507():
                        os.pwrite(descriptor, slot, offset)
                        if self.fsync:
                            os.fdatasync(descriptor)
                    return
            finally:
                os.close(descriptor)
        with no_space_as_507():
            self._replace_info(path, infofile.new_file(payload))

    def _replace_info(self, path: str, content: bytes) -> None:
        """Write a whole info file to a temp file and rename it into place."""
        temp_path = f"{path}{layout.TEMP_MARKER}{secrets.token_hex(4)}"
        try:
            with open(temp_path, "wb") as temp_file:
                temp_file.write(content)
                temp_file.flush()
                if self.fsync:
                    os.fsync(temp_file.fileno())
            os.replace(temp_path, path)
        except BaseException:
            layout.unlink_quietly(temp_path)
            raise
        if self.fsync:
            self._sync_directory()

    def list_ids(self) -> list[str]:
        """Return the ids of all uploads with an info file."""
        ids = []
        for name in os.listdir(self.directory):
            upload_id, suffix = os.path.splitext(name)
            if suffix == layout.INFO_SUFFIX and is_valid_upload_id(upload_id):
                ids.append(upload_id)
        return sorted(ids)

    # -- data -------------------------------------------------------------

    def append(self, upload_id: str, offset: int, blocks: Iterable[bytes]) -> int:
        """Cut the data to ``offset``, then append ``blocks``; return bytes written.

        A placed part writes in its region and cuts nothing (the file is
        shared); what lies past its offset is written over.
        """
        written = 0
        path, region = self._where(upload_id)
        with no_space_as_507(), self._open_for_writing(path, region) as data_file:
            start = self._cut_to(data_file, offset, region)
            descriptor = data_file.fileno()
            try:
                # Straight to the kernel, unbuffered: a block is in the file
                # before the next is asked for (see Store.append).
                for block in blocks:
                    view = memoryview(block)
                    if (
                        region is not None
                        and offset + written + len(view) > region.length
                    ):
                        raise errors.PastLength()
                    while view:
                        count = os.pwrite(descriptor, view, start + offset + written)
                        if not count:
                            raise OSError(errno.ENOSPC, "no byte was written")
                        written += count
                        view = view[count:]
            finally:
                self._flush(descriptor)
        return written

    def sync_data(self, upload_id: str) -> None:
        """fdatasync the data file when the store flushes (``fsync``).

        Without ``fsync`` the bytes written are in the kernel, which is all a
        killed process needs; after a power loss the store reports no more
        than the data file holds (see :mod:`.infofile`).
        """
        if not self.fsync:
            return
        # Any descriptor flushes the file's pages.
        descriptor = os.open(self._where(upload_id)[0], os.O_RDONLY)
        try:
            os.fdatasync(descriptor)
        finally:
            os.close(descriptor)

    def append_region(
        self,
        upload_id: str,
        offset: int,
        source_fd: int,
        source_offset: int,
        count: int,
    ) -> int:
        """Cut the data to ``offset``, then copy the region in the kernel."""
        path, region = self._where(upload_id)
        if region is not None:
            count = min(count, region.length - offset)
        with no_space_as_507(), self._open_for_writing(path, region) as data_file:
            start = self._cut_to(data_file, offset, region)
            written = copy_region(
                source_fd, source_offset, data_file.fileno(), start + offset, count
            )
            self._flush(data_file.fileno())
        return written

    def concatenate(self, upload_id: str, partials: list[UploadInfo]) -> int:
        """Take the partials' shared file as ``upload_id``'s data if they are
        all of its group, in order (see :mod:`.shared`); else copy their data
        into ``upload_id``'s, in the kernel."""
        joined = self._join_in_place(upload_id, partials)
        if joined is not None:
            return joined
        if self._joins_in_place(self._load_info(upload_id)):
            # create() took no room for it: it must be there for a copy.
            self._check_free_space(sum(partial.length or 0 for partial in partials))
        written = 0
        path = self.data_path(upload_id)
        with no_space_as_507(), self._open_for_writing(path) as data_file:
            self._cut_to(data_file, 0)
            for partial in partials:
                count = partial.length or 0
                source_path, region = self._where(partial.id)
                start = region.start if region is not None else 0
                with open(source_path, "rb") as source:
                    copied = copy_region(
                        source.fileno(), start, data_file.fileno(), written, count
                    )
                written += copied
                if copied < count:
                    break
            self._flush(data_file.fileno())
        return written

    def _join_in_place(self, upload_id: str, partials: list[UploadInfo]) -> int | None:
        """The partials' group file as ``upload_id``'s data; None if not theirs."""
        if not partials or partials[0].join_group is None:
            return None
        if any(partial.join_group != partials[0].join_group for partial in partials):
            return None
        group = self._group(partials[0])
        part_paths = [self.part_path(partial.id) for partial in partials]
        path = self.data_path(upload_id)
        temp_path = f"{path}{layout.TEMP_MARKER}{secrets.token_hex(4)}"
        if not group.take(partials, part_paths, temp_path):
            return None
        try:
            os.replace(temp_path, path)
        except OSError:
            # Sealed, but not the final's: its parts are intact, copy them.
            layout.unlink_quietly(temp_path)
            return None
        group.forget()
        if self.fsync:
            self._sync_directory()
        return sum(partial.length or 0 for partial in partials)

    def truncate(self, upload_id: str, offset: int) -> None:
        """Cut the data file back to ``offset`` bytes (a placed part's region
        past ``offset``: made a hole again)."""
        path, region = self._where(upload_id)
        if region is not None:
            with open(path, "r+b") as part_file:
                punch_hole(
                    part_file.fileno(), region.start + offset, region.length - offset
                )
            return
        with self._open_for_writing(path) as data_file:
            data_file.truncate(offset)
            if self.fsync:
                os.fdatasync(data_file.fileno())

    def open_data(self, upload_id: str) -> BinaryIO:
        """Open the data file (a placed part: its region) for reading."""
        path, region = self._where(upload_id)
        try:
            if region is not None:
                return RegionReader(path, region)  # type: ignore[return-value]
            return open(path, "rb")
        except FileNotFoundError:
            raise errors.NotFound() from None

    def remove(self, upload_id: str) -> int:
        """Remove info first (the upload stops existing), then the data."""
        where = self._where(upload_id)
        freed = self._unlink(self.info_path(upload_id))
        freed += self._unlink_data(*where)
        if self.fsync:
            self._sync_directory()
        return freed

    def remove_data(self, upload_id: str) -> int:
        """Unlink the data file; the info stays."""
        return self._unlink_data(*self._where(upload_id))

    # -- helpers ------------------------------------------------------------

    def _data_size(self, upload_id: str, region: Region | None = None) -> int | None:
        """The bytes stored (a placed part: from its region's start, up to
        the first hole); None without a data file."""
        try:
            if region is None:
                return os.stat(self.data_path(upload_id)).st_size
            descriptor = os.open(self.part_path(upload_id), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return stored_in(descriptor, region)
        finally:
            os.close(descriptor)

    def _unlink_data(self, path: str, region: Region | None) -> int:
        """Unlink the data file or part link; the bytes freed (a placed
        part's: its region's, counted as if it were the last to go)."""
        if region is None:
            return self._unlink(path)
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        try:
            stored = stored_in(descriptor, region)
        finally:
            os.close(descriptor)
        layout.unlink_quietly(path)
        return stored

    @staticmethod
    def _unlink(path: str) -> int:
        """Remove ``path`` if it is there; return the bytes it held."""
        try:
            size = os.stat(path).st_size
            os.unlink(path)
        except FileNotFoundError:
            return 0
        return size

    def _open_for_writing(self, path: str, region: Region | None = None) -> BinaryIO:
        """Open the data file to change it, never writing through a hard link.

        A host that finished the upload may have hard-linked the data file
        into its own storage (Plone's blob). If that finish was not recorded
        (its transaction aborted, or the process died before recording
        it), the next write must not touch the linked bytes: the data file
        is first replaced by a private copy. A placed part's links are its
        group's, and it writes only in its region.
        """
        if region is None and os.stat(path).st_nlink > 1:
            self._unlink_copy(path)
        return open(path, "r+b")  # noqa: SIM115 - the caller closes it

    def _unlink_copy(self, path: str) -> None:
        temp_path = f"{path}{layout.TEMP_MARKER}{secrets.token_hex(4)}"
        try:
            with open(path, "rb") as source, open(temp_path, "wb") as target:
                size = os.fstat(source.fileno()).st_size
                copy_region(source.fileno(), 0, target.fileno(), 0, size)
                self._flush(target.fileno())
            os.replace(temp_path, path)
        except BaseException:
            layout.unlink_quietly(temp_path)
            raise

    def _flush(self, fd: int) -> None:
        """Make the bytes just written durable, if the store is asked to."""
        if self.fsync:
            os.fdatasync(fd)

    @staticmethod
    def _cut_to(data_file: BinaryIO, offset: int, region: Region | None = None) -> int:
        """Drop bytes past ``offset`` (a crash's surplus); refuse a short file.

        :returns: where the upload's bytes start in the file (a placed
            part's region, whose surplus is written over instead).
        """
        if region is not None:
            if stored_in(data_file.fileno(), region) < offset:
                raise errors.OffsetMismatch("upload data is shorter than its offset")
            return region.start
        size = os.fstat(data_file.fileno()).st_size
        if size < offset:
            raise errors.OffsetMismatch("upload data is shorter than its offset")
        if size > offset:
            data_file.truncate(offset)
        return 0

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
