"""What cleanup asks of a file store: leftovers, orphans, usage, activity.

:class:`FileLeftovers` is the part of :class:`~.store.FileStore` that only
the sweep (:mod:`...sweep`) and the cleanup job use; uploading never calls it.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.filestore import layout
from collective.tusupload.core.filestore.locker import LOCK_SUFFIX
from collective.tusupload.core.filestore.shared import CLAIMS_SUFFIX
from collective.tusupload.core.filestore.shared import Group
from collective.tusupload.core.filestore.shared import PART_SUFFIX
from collective.tusupload.core.filestore.shared import Region
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.store import Leftovers

import os


class FileLeftovers(Leftovers):
    """Leftovers of uploads in ``self.directory``.

    A mixin of :class:`~.store.FileStore`, whose methods below it uses. A
    join group's files (:mod:`.shared`) have no info: a group that no
    upload refers to any more is an orphan.
    """

    directory: str

    def list_ids(self) -> list[str]: ...  # pragma: no cover - FileStore's
    def data_path(self, upload_id: str) -> str: ...  # pragma: no cover
    def info_path(self, upload_id: str) -> str: ...  # pragma: no cover
    def part_path(self, upload_id: str) -> str: ...  # pragma: no cover
    def _load_info(self, upload_id: str) -> UploadInfo: ...  # pragma: no cover
    def _where(
        self, upload_id: str
    ) -> tuple[str, Region | None]: ...  # pragma: no cover
    def _data_size(  # pragma: no cover
        self, upload_id: str, region: Region | None = None
    ) -> int | None: ...

    def _groups_in_use(self, ids: list[str]) -> set[str]:
        """The join groups that the uploads ``ids`` are placed in."""
        groups = set()
        for upload_id in ids:
            try:
                group = self._load_info(upload_id).join_group
            except errors.NotFound:
                continue
            if group is not None:
                groups.add(group)
        return groups

    def list_orphans(self, *, older_than: float) -> list[str]:
        """Return ids of leftover files but no info, unchanged since ``older_than``.

        Lock files are the locker's and do not count; nor does a join
        group an upload is placed in.
        """
        ids = self.list_ids()
        with_info = set(ids)
        groups: set[str] | None = None
        orphans = set()
        for name in os.listdir(self.directory):
            upload_id = layout.upload_id_of(name)
            if upload_id is None or upload_id in with_info:
                continue
            if name.endswith(LOCK_SUFFIX):
                continue
            if groups is None:
                groups = self._groups_in_use(ids)
            if upload_id in groups:
                continue
            if layout.mtime_of(os.path.join(self.directory, name)) < older_than:
                orphans.add(upload_id)
        return sorted(orphans)

    def remove_orphan(self, upload_id: str) -> int:
        """Remove data, part and temp files of an id without info (not its
        lock file); a join group is sealed first (see :meth:`.Group.remove`)."""
        freed = 0
        prefix = check_upload_id(upload_id)
        if os.path.exists(os.path.join(self.directory, prefix + CLAIMS_SUFFIX)):
            freed += Group(self.directory, prefix).remove()
        for name in os.listdir(self.directory):
            if (
                name.startswith(prefix + layout.INFO_SUFFIX + layout.TEMP_MARKER)
                or name.startswith(prefix + layout.DATA_SUFFIX + layout.TEMP_MARKER)
                or name == prefix + layout.DATA_SUFFIX
                or name == prefix + PART_SUFFIX
            ):
                path = os.path.join(self.directory, name)
                freed += layout.size_of(path)
                layout.unlink_quietly(path)
        return freed

    def has_data(self, upload_id: str) -> bool:
        """Tell whether the data file (or a placed part's link) exists."""
        return os.path.exists(self.data_path(upload_id)) or os.path.exists(
            self.part_path(upload_id)
        )

    def usage(self, upload_id: str) -> int:
        """Return the bytes taken by all files of ``upload_id`` (of a placed
        part's shared file, its region's)."""
        prefix = check_upload_id(upload_id) + "."
        total = 0
        for name in os.listdir(self.directory):
            if name == upload_id + PART_SUFFIX:
                total += self._data_size(upload_id, self._where(upload_id)[1]) or 0
            elif name.startswith(prefix):
                total += layout.size_of(os.path.join(self.directory, name))
        return total

    def has_leftovers(self, upload_id: str) -> bool:
        """Whether files of ``upload_id`` other than its lock file remain."""
        prefix = check_upload_id(upload_id) + "."
        return any(
            name.startswith(prefix) and name != upload_id + LOCK_SUFFIX
            for name in os.listdir(self.directory)
        )

    def last_activity(self, upload_id: str) -> float | None:
        """The newest mtime of the upload's info and data files."""
        times = [
            os.stat(path).st_mtime
            for path in (self.info_path(upload_id), self._where(upload_id)[0])
            if os.path.exists(path)
        ]
        return max(times) if times else None
