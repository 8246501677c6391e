"""Sessions and files as JSON, with PEP 694's keys (round 4)."""

from __future__ import annotations

from collective.tusupload.sessions.links import Links
from collective.tusupload.sessions.mechanisms import mechanism_reply
from collective.tusupload.sessions.mechanisms import MECHANISMS
from collective.tusupload.sessions.problems import API_VERSION
from collective.tusupload.sessions.states import FileStatus

import datetime


def rfc3339(moment: float) -> str:
    """UTC, whole seconds, ``Z`` (as PEP 694 asks)."""
    stamp = datetime.datetime.fromtimestamp(int(moment), tz=datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_json(session, links: Links) -> dict:
    """``GET <session>``: the session, its links and its files."""
    files = {}
    for item in session.current_files():
        entry = {
            "status": item.status,
            "size": item.size,
            "link": links.file(session, item),
            "staged": item.staged,
        }
        if item.notices:
            entry["notices"] = list(item.notices)
        if item.content_path:
            entry["content"] = {
                "@id": f"{links.folder_url}/{item.content_path.rsplit('/', 1)[-1]}",
                "UID": item.content_uid,
                "@type": item.portal_type,
            }
        files[item.filename] = entry
    return {
        "meta": {"api-version": API_VERSION},
        "name": session.name,
        "status": session.status,
        "expires-at": rfc3339(session.expires),
        "links": {
            "session": links.session(session),
            "upload": f"{links.session(session)}/upload",
            "publish": f"{links.session(session)}/publish",
            "extend": f"{links.session(session)}/extend",
            "stage": links.stage(session),
        },
        "mechanisms": list(MECHANISMS),
        "session-token": session.token,
        "files": files,
        "notices": list(session.notices),
    }


def file_json(session, session_file, links: Links) -> dict:
    """``GET <file>``: one file of a session (PEP 694's file upload session)."""
    url = links.file(session, session_file)
    reply = {
        "meta": {"api-version": API_VERSION},
        "filename": session_file.filename,
        "size": session_file.size,
        "hashes": dict(session_file.hashes),
        "status": session_file.status,
        "staged": session_file.staged,
        "expires-at": rfc3339(session.expires),
        "links": {
            "file-upload-session": url,
            "complete": f"{url}/complete",
            "extend": f"{url}/extend",
        },
        "notices": list(session_file.notices),
    }
    if session_file.status != FileStatus.CANCELED:
        reply["mechanism"] = mechanism_reply(session, session_file, links)
    return reply


def listing_json(sessions, links: Links) -> dict:
    """``GET <folder>/@upload-sessions``: the folder's sessions, newest first."""
    return {
        "meta": {"api-version": API_VERSION},
        "items": [
            {
                "name": item.name,
                "status": item.status,
                "link": links.session(item),
                "files": len(item.current_files()),
                "expires-at": rfc3339(item.expires),
                "created-by": item.created_by,
            }
            for item in sessions
        ],
    }
