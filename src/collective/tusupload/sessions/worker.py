"""Background work of sessions: threads started after a commit, each with a
Zope environment of its own (connection, request, site and user).

Used by publishing (a large session) and completing (a large file): the
request commits the ``processing`` state, then a thread does the work on
its own connection, as the user who asked, and records the outcome.
"""

from __future__ import annotations

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import noSecurityManager
from collective.tusupload.content import object_by_uid
from collective.tusupload.sessions.model import storage_of
from Testing.makerequest import makerequest
from zope.component.hooks import getSite
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import contextlib
import threading
import time
import transaction


#: Workers started by this process (tests wait for them).
_workers: list[threading.Thread] = []


def start_after_commit(target, *, name: str, **job) -> None:
    """Run ``target(**job)`` in a daemon thread once this transaction commits."""

    def start(success: bool) -> None:
        if success:
            worker = threading.Thread(target=target, kwargs=job, name=name, daemon=True)
            worker.start()
            _workers.append(worker)

    transaction.get().addAfterCommitHook(start)


def wait_for_workers(timeout: float = 120.0) -> None:
    """Join the workers this process started (for tests and scripts)."""
    deadline = time.monotonic() + timeout
    for worker in list(_workers):
        worker.join(max(0.0, deadline - time.monotonic()))
    _workers[:] = [worker for worker in _workers if worker.is_alive()]


def find_in_site(site, session_id: str):
    """``(folder, session)`` of ``session_id`` in ``site``, or ``(None, None)``."""
    storage = storage_of(site)
    session = storage.get(session_id) if storage is not None else None
    if session is None:
        return None, None
    folder = None
    if "/" not in session.folder_uid:
        folder = object_by_uid(site, session.folder_uid)
    if folder is None:
        folder = site.unrestrictedTraverse(session.folder_path)
    return folder, session


@contextlib.contextmanager
def worker_site(database, site_path: str, userid: str | None):
    """Open a connection, and yield the site as ``userid`` sees it.

    The transaction is begun here; the caller commits or aborts it. On the
    way out it is aborted (if still open) and everything is undone.
    """
    connection = database.open()
    previous_site = getSite()
    try:
        transaction.begin()
        app = makerequest(connection.root()["Application"])
        setRequest(app.REQUEST)
        site = app.unrestrictedTraverse(site_path)
        setSite(site)
        user = site.acl_users.getUserById(userid) if userid else None
        if user is None and userid:
            user = app.acl_users.getUserById(userid)
            if user is not None:
                user = user.__of__(app.acl_users)
        elif user is not None:
            user = user.__of__(site.acl_users)
        if user is not None:
            newSecurityManager(app.REQUEST, user)
        yield site
    finally:
        transaction.abort()
        noSecurityManager()
        setSite(previous_site)
        setRequest(None)
        connection.close()
