"""Opening (or joining), extending and canceling sessions; deleting files."""

from __future__ import annotations

from collective.tusupload.backend import site_handler
from collective.tusupload.core.errors import TusError
from collective.tusupload.sessions.access import SessionRequest
from collective.tusupload.sessions.discard import discard_after_commit
from collective.tusupload.sessions.model import MAX_NAME_LENGTH
from collective.tusupload.sessions.model import UploadSession
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import advance_file
from collective.tusupload.sessions.states import advance_session
from collective.tusupload.sessions.states import check_editable
from collective.tusupload.sessions.states import FileEvent
from collective.tusupload.sessions.states import SessionEvent

import time


def read_name(payload: dict) -> str:
    """The session name of a get-or-create request (422 if unusable)."""
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SessionProblem(
            422, "Invalid session name", "give the session a name", source="name"
        )
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH or any(ord(char) < 32 for char in name):
        raise SessionProblem(
            422,
            "Invalid session name",
            f"a name has at most {MAX_NAME_LENGTH} printable characters",
            source="name",
        )
    return name


def open_or_join(request: SessionRequest, payload: dict) -> tuple[UploadSession, bool]:
    """Get-or-create by name in the folder.

    :returns: ``(session, created)``; an open, processing or error session
        of that name is returned with ``created`` False (the reply is 409).
    """
    name = read_name(payload)
    now = time.time()
    storage = request.storage(create=True)
    existing = storage.live_named(request.folder_uid, name, now)
    if existing is not None:
        return existing, False
    session = UploadSession(
        name=name,
        folder_uid=request.folder_uid,
        folder_path="/".join(request.folder.getPhysicalPath()),
        created_by=request.userid,
        lifetime=request.settings.session_expiry,
        now=now,
    )
    storage.add(session)
    return session, True


def read_extend_for(payload: dict) -> int:
    seconds = payload.get("extend-for")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise SessionProblem(
            422,
            "Invalid extension",
            "extend-for is a whole number of seconds",
            source="extend-for",
        )
    return seconds


def extend(request: SessionRequest, session: UploadSession, payload: dict) -> None:
    """Move the expiry later by ``extend-for`` seconds: never earlier, capped.

    PEP 694: a refused (or shortened) extension is still a success; the
    reply's ``expires-at`` says what holds.
    """
    seconds = read_extend_for(payload)
    check_editable(session)
    cap = session.created + request.settings.session_max_lifetime
    wanted = min(time.time() + seconds, cap)
    if wanted > session.expires:
        session.expires = wanted
        _keep_staged_until(request, session)


def _keep_staged_until(request: SessionRequest, session: UploadSession) -> None:
    """Staged bytes live as long as their session (see :mod:`.staging`)."""
    engine = site_handler(request.settings).engine
    for item in session.current_files():
        if not item.staged or not item.upload_id:
            continue
        try:
            with engine.locked(item.upload_id, timeout=5) as _lease:
                info = engine.store.get_info(item.upload_id)
                info.expires = max(info.expires or 0, session.expires)
                engine.store.update_info(info)
        except TusError:
            continue


def cancel(request: SessionRequest, session: UploadSession) -> None:
    """``DELETE <session>``: canceled, and every staged byte goes (after commit)."""
    cancel_session(request.storage(), session, request.settings)


def cancel_session(storage, session: UploadSession, settings) -> None:
    """Cancel ``session`` of ``storage`` (the REST DELETE, the Pending page).

    :raises SessionProblem: 409 while processing or once terminal.
    """
    advance_session(session, SessionEvent.CANCELED)
    storage.release_name(session)
    upload_ids = []
    for item in session.current_files():
        upload_ids.append(item.upload_id)
        advance_file(item, FileEvent.SESSION_CANCELED)
    discard_after_commit(settings, upload_ids)


def delete_file(request: SessionRequest, session: UploadSession, session_file) -> None:
    """``DELETE <file>``: the file leaves the session, its bytes go."""
    check_editable(session)
    advance_file(session_file, FileEvent.DELETED)
    discard_after_commit(request.settings, [session_file.upload_id])
