"""What cleanup asks of a file store: leftovers, orphans, usage, activity.

:class:`FileLeftovers` is the part of :class:`~.store.FileStore` that only
the sweep (:mod:`...sweep`) and the cleanup job use; uploading never calls it.
"""

from __future__ import annotations

from collective.tusupload.core.filestore import layout
from collective.tusupload.core.filestore.locker import LOCK_SUFFIX
from collective.tusupload.core.filestore.shared import CLAIMS_SUFFIX
from collective.tusupload.core.info import check_upload_id
from collective.tusupload.core.store import Leftovers

import os


class FileLeftovers(Leftovers):
    """Leftovers of uploads in ``self.directory``.

    A mixin of :class:`~.store.FileStore`, whose ``list_ids``, ``data_path``,
    ``info_path`` and ``_data_size`` it uses. A join group's files
    (:mod:`.shared`) have no info: a group never joined is an orphan.
    """

    directory: str

    def list_orphans(self, *, older_than: float) -> list[str]:
        """Return ids of leftover files but no info, unchanged since ``older_than``.

        Lock files are the locker's and do not count.
        """
        with_info = set(self.list_ids())
        orphans = set()
        for name in os.listdir(self.directory):
            upload_id = layout.upload_id_of(name)
            if upload_id is None or upload_id in with_info:
                continue
            if name.endswith(LOCK_SUFFIX):
                continue
            if layout.mtime_of(os.path.join(self.directory, name)) < older_than:
                orphans.add(upload_id)
        return sorted(orphans)

    def remove_orphan(self, upload_id: str) -> int:
        """Remove data, claims and temp files of an id without info (not its
        lock file)."""
        freed = 0
        prefix = check_upload_id(upload_id)
        for name in os.listdir(self.directory):
            if (
                name.startswith(prefix + layout.INFO_SUFFIX + layout.TEMP_MARKER)
                or name.startswith(prefix + layout.DATA_SUFFIX + layout.TEMP_MARKER)
                or name == prefix + layout.DATA_SUFFIX
                or name == prefix + CLAIMS_SUFFIX
            ):
                path = os.path.join(self.directory, name)
                freed += layout.size_of(path)
                layout.unlink_quietly(path)
        return freed

    def has_data(self, upload_id: str) -> bool:
        """Tell whether the data file exists."""
        return os.path.exists(self.data_path(upload_id))

    def usage(self, upload_id: str) -> int:
        """Return the bytes taken by all files of ``upload_id`` (of a placed
        part's shared file, its region's)."""
        prefix = check_upload_id(upload_id) + "."
        total = 0
        for name in os.listdir(self.directory):
            if name == upload_id + layout.DATA_SUFFIX:
                total += self._data_size(upload_id, self._region(upload_id)) or 0
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
            for path in (self.info_path(upload_id), self.data_path(upload_id))
            if os.path.exists(path)
        ]
        return max(times) if times else None
