"""A deleted user's unfinished uploads go with the account.

PAS notifies ``IPrincipalDeletedEvent`` while the deletion's transaction is
open; the uploads are removed once it committed (a deletion that is rolled
back removes nothing). An upload busy at that moment (its body still
streaming through the front server, which stops it at the next
authorisation, see :mod:`.core.handoff`) is removed as soon as it is free,
by a thread that tries again for :data:`PATIENCE` seconds.
"""

from __future__ import annotations

from collective.tusupload import logger
from collective.tusupload.backend import open_backend
from collective.tusupload.core.compose import Backend
from collective.tusupload.pending import remove_uploads
from collective.tusupload.pending import uploads_of
from zope.component.hooks import getSite

import threading
import time
import transaction


#: Seconds to keep trying to remove an upload that is busy.
PATIENCE = 15 * 60.0

#: Seconds between two tries.
INTERVAL = 5.0


def on_principal_deleted(event) -> None:
    """Remove the deleted principal's unfinished uploads after the commit."""
    principal = getattr(event, "principal", None)
    if not isinstance(principal, str) or not principal:
        return
    site = getSite()
    site_path = "/".join(site.getPhysicalPath()) if site is not None else None
    try:
        backend = open_backend()
    except Exception:  # an unusable upload directory: nothing to remove
        logger.exception("uploads of %s not removed", principal)
        return
    transaction.get().addAfterCommitHook(
        _after_commit, args=(principal, site_path, backend)
    )


def _after_commit(committed: bool, principal: str, site_path, backend: Backend):
    if not committed:
        return
    upload_ids = uploads_of(principal, site_path, backend=backend)
    left = remove_uploads(upload_ids, backend=backend)
    removed = len(upload_ids) - len(left)
    if removed:
        logger.info(
            "removed %d unfinished upload(s) of deleted user %s", removed, principal
        )
    if left:
        threading.Thread(
            target=_remove_when_free,
            args=(principal, left, backend),
            name="tusupload-remove-uploads",
            daemon=True,
        ).start()


def _remove_when_free(principal: str, upload_ids: list[str], backend: Backend) -> None:
    deadline = time.monotonic() + PATIENCE
    while upload_ids and time.monotonic() < deadline:
        time.sleep(INTERVAL)
        upload_ids = remove_uploads(upload_ids, backend=backend)
    if upload_ids:
        logger.warning(
            "uploads of deleted user %s still busy, left for the cleanup: %s",
            principal,
            ", ".join(upload_ids),
        )
    else:
        logger.info("removed the last busy upload(s) of deleted user %s", principal)
