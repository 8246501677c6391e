"""A session's file whose bytes have all arrived is staged, not created.

The file's upload is an ordinary upload of the store (any mechanism: one
POST, tus, the IETF draft); its finish comes here through the Plone hooks
(:meth:`~..policy.PloneHooks.after_finish`) and marks the session's file
``staged`` in the request's transaction. The engine's finishing holds as
for any upload: the finish is committed with the transaction, exactly once,
and a replayed last chunk finds the staged file again (:func:`find_staged`).
The data stays in the store, until the session's expiry at the latest.
"""

from __future__ import annotations

from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.finish import KEEP_DATA_UNTIL
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.interfaces import SESSIONS_ENDPOINT
from collective.tusupload.sessions.model import SessionFile
from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.model import UploadSession
from collective.tusupload.sessions.states import EDITABLE
from collective.tusupload.sessions.states import FileStatus
from zope.component.hooks import getSite

import time


def session_file_of(record) -> tuple[UploadSession, SessionFile] | None:
    """The session and file an upload record names, if both still exist."""
    storage = storage_of(getSite())
    session = storage.get(record.session_id) if storage is not None else None
    if session is None:
        return None
    session_file = session.files.get(record.file_id)
    if session_file is None:
        return None
    return session, session_file


def check_may_receive(record, info: UploadInfo) -> None:
    """Bytes for a session's file are accepted while it waits for them.

    :raises HookRefused: 409 once the file was deleted, completed or
        replaced, or the session is no longer editable or has expired.
    """
    found = session_file_of(record)
    if found is None:
        raise HookRefused(409, "this file is no longer part of its upload session")
    session, session_file = found
    if session.is_expired() or session.status not in EDITABLE:
        raise HookRefused(409, f"the upload session is {session.status}")
    if session_file.upload_id != info.id or session_file.status != FileStatus.PENDING:
        raise HookRefused(409, f"the file is {session_file.status}, not pending")


def file_url(folder_url: str, session: UploadSession, session_file: SessionFile):
    return f"{folder_url}/{SESSIONS_ENDPOINT}/{session.id}/files/{session_file.id}"


def staged_record(folder_url: str, session, session_file) -> dict:
    """What a staged upload's finish keeps (and replays answer with)."""
    return {
        "url": file_url(folder_url, session, session_file),
        "session": session.id,
        "file": session_file.id,
        KEEP_DATA_UNTIL: session.expires,
    }


def stage(record, info: UploadInfo, *, folder_url: str) -> dict:
    """Mark the upload's file staged (in the transaction).

    :raises HookRefused: 409 if the file may not receive bytes any more.
    """
    check_may_receive(record, info)
    session, session_file = session_file_of(record)
    session_file.staged = True
    session_file.staged_at = time.time()
    return staged_record(folder_url, session, session_file)


def find_staged(record, info: UploadInfo, *, folder_url: str) -> dict | None:
    """For a ``FINISHING`` upload: was its file staged by a committed finish?"""
    found = session_file_of(record)
    if found is None:
        return None
    session, session_file = found
    if session_file.upload_id != info.id or not session_file.staged:
        return None
    return staged_record(folder_url, session, session_file)
