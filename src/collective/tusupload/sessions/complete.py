"""Completing a file (``POST links.complete``): its bytes are what was declared.

The size and every declared hash are computed from the staged bytes, in
blocks. A mismatch puts the file in ``error`` with a notice saying what
differed (PEP 694: an errored file is deleted and declared again), and so
does a subscriber of :class:`~.events.FileStagedEvent` that raises. Bytes
that have not all arrived yet are a 409 and leave the file ``pending``: a
resumable upload can go on.
"""

from __future__ import annotations

from collective.tusupload.backend import site_handler
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.sizes import BLOCK_SIZE
from collective.tusupload.sessions.access import SessionRequest
from collective.tusupload.sessions.events import FileStagedEvent
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import advance_file
from collective.tusupload.sessions.states import check_editable
from collective.tusupload.sessions.states import check_file
from collective.tusupload.sessions.states import FileEvent
from ZODB.POSException import ConflictError
from zope.event import notify

import hashlib
import logging
import transaction


logger = logging.getLogger("collective.tusupload")


def measure(store, upload_id: str, algorithms) -> tuple[int, dict[str, str]]:
    """The size and hex digests of an upload's stored bytes."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    size = 0
    with store.open_data(upload_id) as data:
        while block := data.read(BLOCK_SIZE):
            size += len(block)
            for hasher in hashers.values():
                hasher.update(block)
    return size, {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _refuse(session_file, message: str, status: int = 422) -> SessionProblem:
    advance_file(session_file, FileEvent.REFUSED)
    session_file.notices.append(message)
    return SessionProblem(
        status,
        "File refused",
        message,
        source=session_file.filename,
        keep_changes=True,
    )


def complete(request: SessionRequest, session, session_file) -> None:
    """Verify the file and mark it ``completed``, or refuse it.

    :raises SessionProblem: 409 (not editable, not pending, bytes missing),
        422 (size or hash mismatch, refused by a subscriber).
    """
    check_editable(session)
    check_file(session_file, FileEvent.VERIFIED)
    store = site_handler(request.settings).store
    if not session_file.staged:
        try:
            received = store.get_info(session_file.upload_id).offset
        except TusError:
            received = 0
        raise SessionProblem(
            409,
            "Bytes missing",
            f"{session_file.filename}: {received} of {session_file.size} bytes "
            "have arrived; send the rest, then complete",
            source=session_file.filename,
        )
    try:
        size, digests = measure(store, session_file.upload_id, session_file.hashes)
    except (TusError, OSError):
        raise _refuse(
            session_file, f"{session_file.filename}: its bytes are gone"
        ) from None
    if size != session_file.size:
        raise _refuse(
            session_file,
            f"{session_file.filename}: {size} bytes arrived, "
            f"{session_file.size} were declared",
        )
    for name, expected in sorted(session_file.hashes.items()):
        if digests[name] != expected:
            raise _refuse(
                session_file,
                f"{session_file.filename}: the {name} of the bytes is "
                f"{digests[name]}, {expected} was declared",
            )
    savepoint = transaction.savepoint()
    try:
        notify(
            FileStagedEvent(
                request.folder,
                session,
                session_file,
                store.local_path(session_file.upload_id),
            )
        )
    except ConflictError:
        raise
    except Exception as error:  # a subscriber refused the file
        savepoint.rollback()
        logger.info("staged file %s refused: %s", session_file.filename, error)
        raise _refuse(
            session_file,
            f"{session_file.filename}: {error}"
            if str(error)
            else f"{session_file.filename}: refused ({type(error).__name__})",
        ) from None
    advance_file(session_file, FileEvent.VERIFIED)
