"""Partial uploads written in place in one shared file, and joined without a copy.

A partial upload with a place (``join_group`` and ``join_offset``, see
:mod:`...joins`) has no file of its own: its ``<id>.data`` is a hard link to
its group's file, ``<group>.data``, and its bytes go to its :class:`Region`
of it. A final upload that names exactly the group's parts, in order, takes
that file as its data (one more hard link): joined, not a byte copied.

``<group>.claims`` records who holds which region, one line each
(``claim <id> <start> <length>``), and ``sealed`` once a final has taken the
file. It is read and changed only under an exclusive ``flock`` of itself,
so that two processes never give out one region twice and no part joins a
file that is a final's already. Once sealed, both group names are removed;
a group that is never joined is removed by the cleanup as an orphan (its
id has no info), while its parts keep their links.
"""

from __future__ import annotations

from collective.tusupload.core.filestore import layout
from collective.tusupload.core.info import UploadInfo
from dataclasses import dataclass

import contextlib
import errno
import fcntl
import os


CLAIMS_SUFFIX = ".claims"
SEALED = "sealed"


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


class RegionReader:
    """A read-only file object over one region of a file (what open_data gives)."""

    def __init__(self, path: str, region: Region) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._region = region
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        remaining = self._region.length - self._position
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        data = os.pread(self._file.fileno(), size, self._region.start + self._position)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += self._region.length
        self._position = max(0, offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RegionReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Group:
    """The shared file of one join group in a store's ``directory``."""

    def __init__(self, directory: str, group_id: str) -> None:
        self.data_path = os.path.join(directory, group_id + layout.DATA_SUFFIX)
        self.claims_path = os.path.join(directory, group_id + CLAIMS_SUFFIX)

    @contextlib.contextmanager
    def _claims(self):
        """The claims file, opened and exclusively locked."""
        descriptor = os.open(self.claims_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)

    @staticmethod
    def _read(descriptor: int) -> tuple[set[tuple[str, int, int]], bool]:
        """The claims so far and whether the file is sealed."""
        size = os.fstat(descriptor).st_size
        claims: set[tuple[str, int, int]] = set()
        sealed = False
        for line in (
            os.pread(descriptor, size, 0).decode("ascii", "replace").splitlines()
        ):
            words = line.split(" ")
            if words == [SEALED]:
                sealed = True
            elif len(words) == 4 and words[0] == "claim":
                with contextlib.suppress(ValueError):
                    claims.add((words[1], int(words[2]), int(words[3])))
        return claims, sealed

    @staticmethod
    def _append(descriptor: int, line: str) -> None:
        os.pwrite(
            descriptor, line.encode("ascii") + b"\n", os.fstat(descriptor).st_size
        )

    def claim(self, upload_id: str, region: Region, part_path: str) -> bool:
        """Give ``region`` to ``upload_id`` and link the file as ``part_path``.

        False (and nothing made) when the group is sealed or the region
        overlaps one given already (a retried creation, another client).
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
            os.link(self.data_path, part_path)
            try:
                self._append(
                    claims_descriptor,
                    f"claim {upload_id} {region.start} {region.length}",
                )
            except BaseException:
                layout.unlink_quietly(part_path)
                raise
        return True

    def seal(self, partials: list[UploadInfo], part_paths: list[str]) -> bool:
        """Close the group to new parts if ``partials`` are all of it, in order.

        True when the partials' regions follow each other from 0, they are
        exactly the group's claims, their data is the group's file, and that
        file holds their bytes: the file is then the final's to take, and no
        part can join it any more.
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
            group_file = os.stat(self.data_path)
            linked = {(s.st_dev, s.st_ino) for s in map(os.stat, part_paths)}
        except FileNotFoundError:
            return False
        if linked != {(group_file.st_dev, group_file.st_ino)}:
            return False
        with self._claims() as claims_descriptor:
            claims, sealed = self._read(claims_descriptor)
            if sealed or claims != wanted:
                return False
            if os.stat(self.data_path).st_size != expected:
                return False
            self._append(claims_descriptor, SEALED)
        return True

    def forget(self) -> None:
        """Remove the group's names (its parts and final keep their links)."""
        layout.unlink_quietly(self.data_path)
        layout.unlink_quietly(self.claims_path)
