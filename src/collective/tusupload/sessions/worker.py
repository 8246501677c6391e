"""A Zope environment for a thread: connection, request, site and user."""

from __future__ import annotations

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import noSecurityManager
from Testing.makerequest import makerequest
from zope.component.hooks import getSite
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import contextlib
import transaction


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
