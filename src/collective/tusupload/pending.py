"""The pending uploads of the control panel: list them, delete one."""

from __future__ import annotations

from collective.tusupload import logger
from collective.tusupload.backend import open_backend
from collective.tusupload.content import file_details
from collective.tusupload.core.compose import Backend
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.removal import remove_upload
from dataclasses import dataclass

import time


@dataclass(frozen=True)
class PendingUpload:
    """One unfinished upload as the control panel lists it."""

    upload_id: str
    owner: str | None
    folder: str
    filename: str
    offset: int
    length: int | None
    expires: float | None
    mode: str

    @property
    def progress(self) -> int | None:
        """Percent received; None while the length is deferred."""
        if not self.length:
            return None if self.length is None else 100
        return min(100, int(self.offset * 100 / self.length))


def list_pending(
    site_path: str | None = None, *, backend: Backend | None = None
) -> list[PendingUpload]:
    """All uploads in the upload directory (of this site if ``site_path``)."""
    store = (backend or open_backend()).store
    pending = []
    for upload_id in store.list_ids():
        try:
            info = store.get_info(upload_id)
        except TusError:
            continue
        if info.finished:
            continue  # a record kept for replays, not an upload in progress
        folder = info.extra.get("context_path", "")
        if site_path and not (
            folder == site_path or folder.startswith(site_path + "/")
        ):
            continue
        pending.append(
            PendingUpload(
                upload_id=info.id,
                owner=info.principal,
                folder=folder,
                filename=file_details(info.metadata).filename if info.metadata else "",
                offset=info.offset,
                length=info.length,
                expires=info.expires,
                mode=info.extra.get("mode", ""),
            )
        )
    pending.sort(key=lambda upload: upload.expires or time.time())
    return pending


def uploads_of(principal: str, site_path: str | None, *, backend: Backend) -> list[str]:
    """The unfinished uploads of ``principal`` (in this site if ``site_path``)."""
    return [
        upload.upload_id
        for upload in list_pending(site_path, backend=backend)
        if upload.owner == principal
    ]


def remove_uploads(upload_ids: list[str], *, backend: Backend) -> list[str]:
    """Remove uploads that are not busy; returns the ids still there."""
    left = []
    for upload_id in upload_ids:
        remove_upload(
            backend.store, backend.locker, upload_id, with_partials=True, timeout=1
        )
        if upload_id in backend.store.list_ids():
            left.append(upload_id)
    return left


def delete_pending(upload_id: str) -> None:
    """Remove a pending upload of anyone (for Managers, from the control panel)."""
    backend = open_backend()
    remove_upload(backend.store, backend.locker, upload_id, with_partials=False)
    logger.info("pending upload %s deleted from the control panel", upload_id)
