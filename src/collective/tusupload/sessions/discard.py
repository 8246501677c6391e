"""Staged bytes go only once the transaction that let them go has committed.

A canceled session, a deleted or replaced file, a published session: their
uploads are removed from the store after the commit, so that a Zope retry
(or an aborted request) still finds every byte.
"""

from __future__ import annotations

from collective.tusupload import logger
from collective.tusupload.backend import site_handler
from collective.tusupload.core.errors import TusError
from collective.tusupload.settings import UploadSettings

import transaction


def discard_after_commit(settings: UploadSettings, upload_ids) -> None:
    """Remove ``upload_ids`` from the store once this transaction commits."""
    upload_ids = [upload_id for upload_id in upload_ids if upload_id]
    if not upload_ids:
        return

    def remove(success: bool) -> None:
        if success:
            discard_now(settings, upload_ids)

    transaction.get().addAfterCommitHook(remove)


def discard_now(settings: UploadSettings, upload_ids) -> int:
    """Remove the uploads (those busy right now are left to the cleanup job).

    :returns: the bytes freed.
    """
    engine = site_handler(settings).engine
    freed = 0
    for upload_id in upload_ids:
        try:
            freed += engine.remove(upload_id, with_partials=False)
        except TusError as error:
            logger.warning("staged upload %s not removed: %s", upload_id, error.message)
    return freed
