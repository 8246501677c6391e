"""The states of a session and of its files, and every transition, in one place.

A session (PEP 694's "publishing session")::

    open --publish (201)--> published
    open --publish (202)--> processing --worker done--> published
                                  \\--worker failed--> error
    open, error --cancel (DELETE)--> canceled
    error --publish--> as from open

A file (PEP 694's "file upload session")::

    pending --complete, verified--> completed
    pending --complete, refused---> error
    pending --complete (large)----> processing --verified--> completed
                                              +--refused---> error
    pending, completed, error --delete--> canceled
    any but canceled --the session canceled--> canceled

``published`` and ``canceled`` are terminal for a session, ``canceled`` for
a file. :func:`advance_session` and :func:`advance_file` are the only code
that changes a status; a change the tables lack is a 409.
"""

from __future__ import annotations

from collective.tusupload.sessions.problems import SessionProblem

import enum


class SessionStatus(enum.StrEnum):
    OPEN = "open"
    PROCESSING = "processing"
    PUBLISHED = "published"
    ERROR = "error"
    CANCELED = "canceled"


class FileStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ERROR = "error"
    CANCELED = "canceled"


class SessionEvent(enum.Enum):
    PUBLISHED = "publish"
    DEFERRED = "publish later"
    WORKER_DONE = "publish done"
    WORKER_FAILED = "publish failed"
    CANCELED = "cancel"


class FileEvent(enum.Enum):
    VERIFIED = "complete"
    DEFERRED = "complete later"
    REFUSED = "complete refused"
    DELETED = "delete"
    SESSION_CANCELED = "session canceled"


#: Sessions whose files may change (declared, uploaded, completed, deleted).
EDITABLE = frozenset({SessionStatus.OPEN, SessionStatus.ERROR})
#: Sessions that hold their name in their folder (get-or-create answers 409).
LIVE = frozenset({SessionStatus.OPEN, SessionStatus.PROCESSING, SessionStatus.ERROR})
TERMINAL = frozenset({SessionStatus.PUBLISHED, SessionStatus.CANCELED})

SESSION_TRANSITIONS: dict[tuple[SessionStatus, SessionEvent], SessionStatus] = {
    (SessionStatus.OPEN, SessionEvent.PUBLISHED): SessionStatus.PUBLISHED,
    (SessionStatus.ERROR, SessionEvent.PUBLISHED): SessionStatus.PUBLISHED,
    (SessionStatus.OPEN, SessionEvent.DEFERRED): SessionStatus.PROCESSING,
    (SessionStatus.ERROR, SessionEvent.DEFERRED): SessionStatus.PROCESSING,
    (SessionStatus.PROCESSING, SessionEvent.WORKER_DONE): SessionStatus.PUBLISHED,
    (SessionStatus.PROCESSING, SessionEvent.WORKER_FAILED): SessionStatus.ERROR,
    (SessionStatus.OPEN, SessionEvent.CANCELED): SessionStatus.CANCELED,
    (SessionStatus.ERROR, SessionEvent.CANCELED): SessionStatus.CANCELED,
}

FILE_TRANSITIONS: dict[tuple[FileStatus, FileEvent], FileStatus] = {
    (FileStatus.PENDING, FileEvent.VERIFIED): FileStatus.COMPLETED,
    (FileStatus.PENDING, FileEvent.REFUSED): FileStatus.ERROR,
    (FileStatus.PENDING, FileEvent.DEFERRED): FileStatus.PROCESSING,
    (FileStatus.PROCESSING, FileEvent.VERIFIED): FileStatus.COMPLETED,
    (FileStatus.PROCESSING, FileEvent.REFUSED): FileStatus.ERROR,
    (FileStatus.PENDING, FileEvent.DELETED): FileStatus.CANCELED,
    (FileStatus.COMPLETED, FileEvent.DELETED): FileStatus.CANCELED,
    (FileStatus.ERROR, FileEvent.DELETED): FileStatus.CANCELED,
    # PEP 694: canceling a session is never refused for its files' states.
    **{
        (status, FileEvent.SESSION_CANCELED): FileStatus.CANCELED
        for status in FileStatus
        if status != FileStatus.CANCELED
    },
}


def check_session(session, event: SessionEvent) -> SessionStatus:
    """The status ``event`` leads ``session`` to; 409 if it can't happen now."""
    status = SessionStatus(session.status)
    try:
        return SESSION_TRANSITIONS[(status, event)]
    except KeyError:
        raise SessionProblem(
            409,
            "Session not editable",
            f"the session is {status.value}: it can't {event.value}",
            source="status",
        ) from None


def advance_session(session, event: SessionEvent) -> None:
    """Move ``session`` on ``event`` (see :data:`SESSION_TRANSITIONS`)."""
    session.status = check_session(session, event).value


def check_file(session_file, event: FileEvent) -> FileStatus:
    """The status ``event`` leads the file to; 409 if it can't happen now."""
    status = FileStatus(session_file.status)
    try:
        return FILE_TRANSITIONS[(status, event)]
    except KeyError:
        raise SessionProblem(
            409,
            "File not in the right state",
            f"{session_file.filename} is {status.value}: it can't {event.value}",
            source=session_file.filename,
        ) from None


def advance_file(session_file, event: FileEvent) -> None:
    """Move a session's file on ``event`` (see :data:`FILE_TRANSITIONS`)."""
    session_file.status = check_file(session_file, event).value


def check_editable(session) -> None:
    """409 unless the session's files may change (``open`` or ``error``)."""
    if session.status not in EDITABLE:
        raise SessionProblem(
            409,
            "Session not editable",
            f"the session is {session.status}; its files can't change",
            source="status",
        )
