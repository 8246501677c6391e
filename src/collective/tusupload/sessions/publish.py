"""Publishing a session: every completed file becomes an item, in ONE transaction.

All or nothing. The items are made in the publishing transaction (the
staged bytes hard-linked into their blobs, as for a single upload, see
:mod:`..content`), each with the UID decided when its file was declared and
its upload id recorded; the staged bytes go only after the commit. A Zope
retry after a ConflictError runs the whole publish again from the committed
state, where nothing was made: no duplicate, no loss.

Publishes into one folder take turns with each other and with single
uploads finishing there (:func:`~..transactions.take_turn`).

A session with more files than the ``publish_async_threshold`` setting is
published by a background worker: the request moves it to ``processing``
(202) and, once that is committed, a thread publishes it on its own
connection, as the user who asked, then records ``published`` or ``error``.
"""

from __future__ import annotations

from collective.tusupload.backend import site_handler
from collective.tusupload.content import ContentError
from collective.tusupload.content import create_from_upload
from collective.tusupload.content import FileDetails
from collective.tusupload.content import upload_data
from collective.tusupload.core.errors import TusError
from collective.tusupload.faults import fault_point
from collective.tusupload.sessions.access import SessionRequest
from collective.tusupload.sessions.discard import discard_after_commit
from collective.tusupload.sessions.events import SessionPublishedEvent
from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import advance_session
from collective.tusupload.sessions.states import check_session
from collective.tusupload.sessions.states import FileStatus
from collective.tusupload.sessions.states import SessionEvent
from collective.tusupload.sessions.worker import find_in_site
from collective.tusupload.sessions.worker import start_after_commit
from collective.tusupload.sessions.worker import worker_site
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from collective.tusupload.transactions import take_turn
from ZODB.POSException import ConflictError
from zope.component.hooks import getSite
from zope.event import notify

import logging
import time
import transaction


logger = logging.getLogger("collective.tusupload")

#: Tries of the background worker when its transaction conflicts.
WORKER_ATTEMPTS = 5


def check_publishable(folder, session, event=SessionEvent.PUBLISHED) -> list:
    """The files to publish; 409 naming what is in the way.

    PEP 694: only ``completed`` files may be published; any other state
    blocks the publish (nothing is silently left out).
    """
    check_session(session, event)
    files = session.current_files()
    if not files:
        raise SessionProblem(409, "Nothing to publish", "the session has no files")
    blocking = [item for item in files if item.status != FileStatus.COMPLETED]
    if blocking:
        raise SessionProblem(
            409,
            "Files not completed",
            f"{len(blocking)} of {len(files)} files are not completed",
            errors=[
                (item.filename, f"{item.filename} is {item.status}")
                for item in blocking
            ],
        )
    taken = [item for item in files if item.intended_id in folder.objectIds()]
    if taken:
        raise SessionProblem(
            409,
            "Name taken",
            "the folder has items of these names now",
            errors=[
                (item.filename, f"{item.filename}: {item.intended_id!r} exists")
                for item in taken
            ],
        )
    return files


def publish(request: SessionRequest, session) -> bool:
    """``POST links.publish``: publish now, or hand over to the worker.

    :returns: True when deferred (202, ``processing``), False when published.
    """
    files = check_publishable(request.folder, session)
    if len(files) > request.settings.publish_async_threshold:
        advance_session(session, SessionEvent.DEFERRED)
        session.published_by = request.userid
        session.processing_since = time.time()
        start_worker_after_commit(request, session)
        return True
    publish_now(
        request.folder,
        session,
        settings=request.settings,
        userid=request.userid,
        event=SessionEvent.PUBLISHED,
    )
    return False


def publish_now(
    folder, session, *, settings: UploadSettings, userid: str | None, event
) -> list:
    """Make every file an item, in the current transaction.

    Waits for the folder's turn first, which begins the transaction anew
    on the newest state; the checks are made again there.

    :returns: the new items.
    :raises SessionProblem: 409 (see :func:`check_publishable`); 403/415 if
        an item can't be added.
    """
    handler = site_handler(settings)
    turn = take_turn(handler.locker, folder)
    txn = transaction.get()
    txn.addAfterCommitHook(lambda success: turn.release())
    txn.addAfterAbortHook(turn.release)
    files = check_publishable(folder, session, event)
    store = handler.store
    objects = []
    for item in files:
        details = FileDetails(
            filename=item.filename,
            content_type=item.content_type,
            title=item.title,
            description="",
        )
        try:
            with upload_data(store, item.upload_id) as data:
                obj = create_from_upload(
                    folder,
                    portal_type=item.portal_type,
                    details=details,
                    uid=item.content_uid,
                    upload_id=item.upload_id,
                    **data,
                )
        except ContentError as error:
            raise SessionProblem(
                error.status, "Can't publish", error.message, source=item.filename
            ) from None
        except (OSError, TusError):
            raise SessionProblem(
                409,
                "Bytes gone",
                f"{item.filename}: its staged bytes are gone (removed or "
                "expired); delete the file and declare it again",
                source=item.filename,
            ) from None
        item.content_path = "/".join(obj.getPhysicalPath())
        objects.append(obj)
        fault_point("publish-between-items")
    advance_session(session, event)
    storage_of(getSite()).release_name(session)
    session.published_by = userid
    session.published_at = time.time()
    notify(SessionPublishedEvent(folder, session, objects))
    discard_after_commit(settings, [item.upload_id for item in files])
    return objects


# -- the background worker ------------------------------------------------------


def start_worker_after_commit(request: SessionRequest, session) -> None:
    """Start the worker once the ``processing`` state is committed."""
    start_after_commit(
        run_worker,
        name="tusupload-publish",
        database=request.folder._p_jar.db(),
        site_path="/".join(request.site.getPhysicalPath()),
        session_id=session.id,
        userid=request.userid,
    )


def run_worker(*, database, site_path, session_id, userid) -> None:
    """Publish a ``processing`` session on a connection of its own."""
    message = None
    for _attempt in range(WORKER_ATTEMPTS):
        with worker_site(database, site_path, userid) as site:
            try:
                folder, session = find_in_site(site, session_id)
                if session is None or session.status != "processing":
                    return
                publish_now(
                    folder,
                    session,
                    settings=get_settings(),
                    userid=userid,
                    event=SessionEvent.WORKER_DONE,
                )
                transaction.commit()
                return
            except SessionProblem as problem:
                transaction.abort()
                message = "; ".join(text for _source, text in problem.errors)
                break
            except ConflictError:
                transaction.abort()
                message = "the publish kept conflicting with other changes"
                continue
            except Exception as error:
                transaction.abort()
                logger.exception("publishing session %s failed", session_id)
                message = f"publishing failed: {error}"
                break
    with worker_site(database, site_path, userid) as site:
        _folder, session = find_in_site(site, session_id)
        if session is not None and session.status == "processing":
            advance_session(session, SessionEvent.WORKER_FAILED)
            session.notices.append(message or "publishing failed")
            transaction.commit()
