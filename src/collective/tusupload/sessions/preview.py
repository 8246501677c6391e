"""The staged preview of a session: its files, for whoever holds the token.

PEP 694's ``links.stage``: an unguessable URL that needs no login, so that
a reviewer (or a CI job) can look at the batch and download it, byte for
byte, before it is published. It is a capability: the token is the only
check. Once the session is published, canceled or expired, the preview is
gone (404).
"""

from __future__ import annotations

from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.problems import API_VERSION
from collective.tusupload.sessions.serialize import rfc3339
from collective.tusupload.sessions.states import LIVE

import time


def previewable_session(site, token: str):
    """The live, unexpired session of ``token``, or None."""
    storage = storage_of(site)
    session = storage.by_token(token) if storage is not None else None
    if session is None or session.status not in LIVE or session.is_expired(time.time()):
        return None
    return session


def staged_files(session) -> list:
    """The files whose bytes have all arrived, by filename."""
    return [item for item in session.current_files() if item.staged]


def preview_json(session, links) -> dict:
    return {
        "meta": {"api-version": API_VERSION},
        "name": session.name,
        "status": session.status,
        "expires-at": rfc3339(session.expires),
        "folder": session.folder_path,
        "files": [
            {
                "filename": item.filename,
                "size": item.size,
                "status": item.status,
                "content-type": item.content_type,
                "hashes": dict(item.hashes),
                "download": links.staged_download(session, item),
            }
            for item in staged_files(session)
        ],
    }
