"""Expired sessions go, with their staged bytes (the cleanup job's part in the ZODB).

A session lives until its ``expires-at`` (the ``session_expiry`` setting
after its creation, later if extended); published and canceled ones stay
until then too, so that their status can still be read. Then the sweep
removes the session's record and its files' uploads from the store. The
directory sweep would remove the staged bytes at the same moment anyway
(their uploads expire with the session), so the ``tusupload-cleanup``
script alone frees the disk; this frees the records.
"""

from __future__ import annotations

from collective.tusupload.sessions.discard import discard_after_commit
from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.states import advance_session
from collective.tusupload.sessions.states import SessionEvent
from collective.tusupload.sessions.worker import worker_site
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from plone.base.interfaces import IPloneSiteRoot

import time
import transaction


#: A session ``processing`` this long has lost its worker (a restart).
STALE_PROCESSING = 3600.0


def sweep_sessions(site, settings: UploadSettings, *, now: float | None = None) -> int:
    """Remove the site's expired sessions (in the current transaction).

    Their uploads are removed from the store once it commits. A session
    still ``processing`` after :data:`STALE_PROCESSING` lost its worker
    (the process ended): it goes to ``error``, editable, to be published
    again.

    :returns: how many sessions were removed.
    """
    storage = storage_of(site)
    if storage is None:
        return 0
    now = time.time() if now is None else now
    for session in storage.sessions.values():
        since = getattr(session, "processing_since", None) or session.created
        if session.status == "processing" and now - since > STALE_PROCESSING:
            advance_session(session, SessionEvent.WORKER_FAILED)
            session.notices.append(
                "the background publish was interrupted (the server stopped?); "
                "publish again"
            )
    expired = [item for item in storage.sessions.values() if item.is_expired(now)]
    upload_ids = []
    for session in expired:
        upload_ids.extend(item.upload_id for item in session.files.values())
        storage.remove(session)
    discard_after_commit(settings, upload_ids)
    return len(expired)


def sweep_all_sites(database, *, now: float | None = None) -> int:
    """Sweep the sessions of every site with the add-on, each in its transaction.

    For the cleanup scheduler, which runs outside any request.
    """
    connection = database.open()
    try:
        paths = [
            "/".join(site.getPhysicalPath())
            for site in connection.root()["Application"].objectValues()
            if IPloneSiteRoot.providedBy(site)
        ]
    finally:
        connection.close()
    removed = 0
    for path in paths:
        with worker_site(database, path, None) as site:
            if storage_of(site) is None:
                continue
            count = sweep_sessions(site, get_settings(), now=now)
            # Writes nothing unless something changed.
            transaction.get().note(f"tusupload: {count} expired upload sessions")
            transaction.commit()
            removed += count
    return removed
