"""Completing a file (``POST links.complete``): its bytes are what was declared.

The size and every declared hash are computed from the staged bytes, in
blocks. A mismatch puts the file in ``error`` with a notice saying what
differed (PEP 694: an errored file is deleted and declared again), and so
does a subscriber of :class:`~.events.FileStagedEvent` that raises. Bytes
that have not all arrived yet are a 409 and leave the file ``pending``: a
resumable upload can go on.

Hashing takes time (about 2 s a GiB): a file of :data:`BACKGROUND_SIZE` or
more is checked by a background worker, so that no Zope thread hashes for
long. The request answers 202 and the file is ``processing`` until the
worker records ``completed`` or ``error``.
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
from collective.tusupload.sessions.states import FileStatus
from collective.tusupload.sessions.worker import find_in_site
from collective.tusupload.sessions.worker import start_after_commit
from collective.tusupload.sessions.worker import worker_site
from ZODB.POSException import ConflictError
from zope.event import notify

import contextlib
import hashlib
import logging
import transaction


logger = logging.getLogger("collective.tusupload")

#: Files this large (bytes) are checked in the background (202).
BACKGROUND_SIZE = 256 * 1024 * 1024
#: Tries of the background check when recording its outcome conflicts.
WORKER_ATTEMPTS = 5


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


def complete(request: SessionRequest, session, session_file) -> bool:
    """Verify the file and mark it ``completed``, or refuse it.

    :returns: True when the check goes on in the background (202).
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
    if session_file.size >= BACKGROUND_SIZE:
        advance_file(session_file, FileEvent.DEFERRED)
        start_after_commit(
            run_worker,
            name="tusupload-complete",
            database=request.folder._p_jar.db(),
            site_path="/".join(request.site.getPhysicalPath()),
            session_id=session.id,
            file_id=session_file.id,
            userid=request.userid,
            settings=request.settings,
        )
        return True
    settle(request.folder, session, session_file, store, _measured(store, session_file))
    return False


def _measured(store, session_file) -> tuple[int, dict[str, str]] | None:
    try:
        return measure(store, session_file.upload_id, session_file.hashes)
    except (TusError, OSError):
        return None


def settle(folder, session, session_file, store, measured) -> None:
    """Compare what arrived with the declaration; fire the event; completed.

    :param measured: ``(size, digests)`` of the bytes, None if they are gone.
    :raises SessionProblem: 422, the file now ``error`` with a notice.
    """
    if measured is None:
        raise _refuse(session_file, f"{session_file.filename}: its bytes are gone")
    size, digests = measured
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
                folder, session, session_file, store.local_path(session_file.upload_id)
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


def run_worker(*, database, site_path, session_id, file_id, userid, settings) -> None:
    """Check a ``processing`` file: hash it (no connection held), then record."""
    store = site_handler(settings).store
    measured = None
    for _attempt in range(WORKER_ATTEMPTS):
        with worker_site(database, site_path, userid) as site:
            folder, session = find_in_site(site, session_id)
            session_file = session.files.get(file_id) if session else None
            if session_file is None or session_file.status != FileStatus.PROCESSING:
                return
            hashes = dict(session_file.hashes)
            upload_id = session_file.upload_id
        if measured is None:
            # Outside any transaction: hashing a large file takes a while.
            measured = _measured_upload(store, upload_id, hashes)
        with worker_site(database, site_path, userid) as site:
            folder, session = find_in_site(site, session_id)
            session_file = session.files.get(file_id) if session else None
            if session_file is None or session_file.status != FileStatus.PROCESSING:
                return  # deleted or canceled meanwhile
            # Refused: the file is in error, with its notice.
            with contextlib.suppress(SessionProblem):
                settle(folder, session, session_file, store, measured)
            try:
                transaction.commit()
                return
            except ConflictError:
                continue


def _measured_upload(store, upload_id, hashes):
    try:
        return measure(store, upload_id, hashes)
    except (TusError, OSError):
        return None
