"""Partial uploads written in place in one shared file, and joined without a copy.

A partial upload with a place (``join_group`` and ``join_offset``, see
:mod:`...joins`) has no data file of its own: its ``<id>.part`` is a hard
link to its group's file, ``<group>.data``, and its bytes go to its
:class:`Region` of it. A final upload that names exactly the group's parts,
in order, takes that file as its data (one more hard link): joined, not a
byte copied. (``.part``, not ``.data``: a process of an earlier release,
which knows only whole data files, finds no data there and refuses the
part instead of misreading the shared file.)

``<group>.claims`` records who holds which region, one line each
(``claim <id> <start> <length>``), and ``sealed`` once a final has taken the
file or the cleanup removes the group. It is read and changed only under an
exclusive ``flock`` of itself, so that two processes never give out one
region twice and no part joins a file that is taken. Once sealed, both
group names are removed; a group that no upload refers to any more is
removed by the cleanup (:meth:`Group.remove`), while its parts keep their
links.

Whether bytes are stored is judged by holes (``SEEK_HOLE``), as a shared
file's size says nothing about one part. That is only right where a hole
means "never written", so parts are placed only on the filesystems listed
in :data:`HOLES_MEAN_UNWRITTEN` (ZFS, for one, stores a block of zeros as a
hole).
"""

from __future__ import annotations

from collections.abc import Iterator
from collective.tusupload.core.filestore import layout
from collective.tusupload.core.filestore.locker import is_same_file
from collective.tusupload.core.info import UploadInfo
from dataclasses import dataclass

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import functools
import os


PART_SUFFIX = ".part"
CLAIMS_SUFFIX = ".claims"
SEALED = "sealed"
#: Filesystems on which a hole in a file is a range never written (or not
#: yet on the disk after a power loss), never stored bytes.
HOLES_MEAN_UNWRITTEN = frozenset({"ext4", "ext3", "xfs", "btrfs", "tmpfs", "overlay"})
#: fallocate(2) modes: free a range and keep the size.
_PUNCH_HOLE = 0x02 | 0x01
#: Why a hard link can fail where placing should simply not happen.
_NO_LINK = {errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


@dataclass(frozen=True)
class Region:
    """Where a placed partial upload's bytes are in its group's file."""

    start: int
    length: int


def region_of(info: UploadInfo) -> Region | None:
    """The region of a placed partial upload; None for one with its own file."""
    if info.join_group is None or info.length is None:
        return None
    return Region(info.join_offset, info.length)


def filesystem_type(path: str, mounts: str = "/proc/self/mounts") -> str | None:
    """The type of the filesystem ``path`` is on (Linux), or None if unknown."""
    path = os.path.realpath(path)
    best, kind = "", None
    try:
        with open(mounts, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = path == point or path.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, fields[2]
    except OSError:
        return None
    return kind


@functools.lru_cache(maxsize=64)
def holes_mean_unwritten(directory: str) -> bool:
    """Whether parts may be placed in ``directory`` (see the module's doc);
    asked once per directory and process (a store may be made per request)."""
    return filesystem_type(directory) in HOLES_MEAN_UNWRITTEN


def stored_in(descriptor: int, region: Region) -> int:
    """How many bytes from the region's start are on disk, without a hole.

    A file written out of order has holes where nothing was written yet
    (and, after a power loss, where written pages never reached the disk):
    they read as zeros and must not count.
    """
    try:
        hole = os.lseek(descriptor, region.start, os.SEEK_HOLE)
    except OSError as error:
        if error.errno == errno.ENXIO:  # the start is past the end
            return 0
        raise
    return max(0, min(hole - region.start, region.length))


def punch_hole(descriptor: int, start: int, length: int) -> None:
    """Make ``length`` bytes from ``start`` a hole again (what truncating
    does to a file of its own), so that bytes of a refused chunk are never
    taken for stored ones after a power loss. Where the kernel or the
    filesystem can't, the bytes simply stay: the info says what counts."""
    if length <= 0:
        return
    with contextlib.suppress(OSError, AttributeError, TypeError):
        _fallocate()(descriptor, _PUNCH_HOLE, start, length)


@functools.lru_cache(maxsize=1)
def _fallocate():
    """libc's fallocate(2), looked up once."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.fallocate.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int64,
        ctypes.c_int64,
    ]
    return libc.fallocate


class RegionReader:
    """A read-only file object over one region of a file (what open_data gives)."""

    def __init__(self, path: str, region: Region) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._region = region
        self._position = 0

    def readable(self) -> bool:
        """Always: it only reads."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the position, never past the region."""
        remaining = self._region.length - self._position
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        where = self._region.start + self._position
        data = os.pread(self._file.fileno(), size, where)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move within the region (its end is the file's end here)."""
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += self._region.length
        self._position = max(0, offset)
        return self._position

    def tell(self) -> int:
        """The position from the region's start."""
        return self._position

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> RegionReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Group:
    """The shared file of one join group in a store's ``directory``.

    :param sync: flush the claims to the disk as they change (the store's
        ``fsync``).
    """

    def __init__(self, directory: str, group_id: str, *, sync: bool = False) -> None:
        self.data_path = os.path.join(directory, group_id + layout.DATA_SUFFIX)
        self.claims_path = os.path.join(directory, group_id + CLAIMS_SUFFIX)
        self.sync = sync

    @contextlib.contextmanager
    def _claims(self) -> Iterator[int]:
        """The claims file, opened and exclusively locked.

        Locked only once the name still means the file locked: the cleanup
        may have removed it between the open and the lock.
        """
        while True:
            descriptor = os.open(self.claims_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            except BaseException:
                os.close(descriptor)
                raise
            if is_same_file(descriptor, self.claims_path):
                break
            os.close(descriptor)
        try:
            yield descriptor
        finally:
            os.close(descriptor)

    @staticmethod
    def _read(descriptor: int) -> tuple[set[tuple[str, int, int]], bool]:
        """The claims so far and whether the file is sealed."""
        size = os.fstat(descriptor).st_size
        claims: set[tuple[str, int, int]] = set()
        sealed = False
        text = os.pread(descriptor, size, 0).decode("ascii", "replace")
        for line in text.splitlines():
            words = line.split(" ")
            if words == [SEALED]:
                sealed = True
            elif len(words) == 4 and words[0] == "claim":
                with contextlib.suppress(ValueError):
                    claims.add((words[1], int(words[2]), int(words[3])))
        return claims, sealed

    def _append(self, descriptor: int, line: str) -> None:
        end = os.fstat(descriptor).st_size
        os.pwrite(descriptor, line.encode("ascii") + b"\n", end)
        if self.sync:
            os.fdatasync(descriptor)

    def claim(self, upload_id: str, region: Region, part_path: str) -> bool:
        """Give ``region`` to ``upload_id`` and link the file as ``part_path``.

        False (and nothing made) when the group is sealed, the region
        overlaps one given already (a retried creation, another client) or
        the filesystem has no hard links.
        """
        with self._claims() as claims_descriptor:
            claims, sealed = self._read(claims_descriptor)
            end = region.start + region.length
            if sealed or any(
                start < end and region.start < start + length
                for _, start, length in claims
            ):
                return False
            os.close(os.open(self.data_path, os.O_WRONLY | os.O_CREAT, 0o600))
            try:
                os.link(self.data_path, part_path)
            except OSError as error:
                if error.errno in _NO_LINK:
                    return False
                raise
            try:
                self._append(
                    claims_descriptor,
                    f"claim {upload_id} {region.start} {region.length}",
                )
            except BaseException:
                layout.unlink_quietly(part_path)
                raise
        return True

    def take(
        self, partials: list[UploadInfo], part_paths: list[str], target: str
    ) -> bool:
        """Link the file as ``target`` if ``partials`` are all of it, in order.

        True when the partials' regions follow each other from 0, they are
        exactly the group's claims, their data is the group's file, and that
        file holds their bytes: the file is then linked as ``target`` (a
        new name) and sealed, so no part can join it any more. False, with
        nothing changed, otherwise, and on any error of the filesystem:
        the caller copies instead.
        """
        expected = 0
        wanted = set()
        for partial in partials:
            region = region_of(partial)
            if region is None or region.start != expected:
                return False
            wanted.add((partial.id, region.start, region.length))
            expected += region.length
        try:
            with self._claims() as claims_descriptor:
                claims, sealed = self._read(claims_descriptor)
                if sealed or claims != wanted:
                    return False
                group_file = os.stat(self.data_path)
                inodes = {(s.st_dev, s.st_ino) for s in map(os.stat, part_paths)}
                if inodes != {(group_file.st_dev, group_file.st_ino)}:
                    return False
                if group_file.st_size != expected:
                    return False
                os.link(self.data_path, target)
                linked = os.stat(target)
                if (linked.st_dev, linked.st_ino) != (
                    group_file.st_dev,
                    group_file.st_ino,
                ):
                    layout.unlink_quietly(target)
                    return False
                self._append(claims_descriptor, SEALED)
        except OSError:
            layout.unlink_quietly(target)
            return False
        return True

    def forget(self) -> None:
        """Remove the group's names (its parts and final keep their links)."""
        layout.unlink_quietly(self.data_path)
        layout.unlink_quietly(self.claims_path)

    def remove(self) -> int:
        """Seal the group and remove its names (the cleanup's removal of a
        group no upload refers to); return the bytes its file took."""
        with self._claims() as claims_descriptor:
            self._append(claims_descriptor, SEALED)
            try:
                group_file = os.stat(self.data_path)
            except FileNotFoundError:
                freed = 0
            else:
                freed = group_file.st_blocks * 512 if group_file.st_nlink == 1 else 0
            self.forget()
        return freed
